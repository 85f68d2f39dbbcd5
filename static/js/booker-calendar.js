// The bookers' calendar: drag a hold onto another room's day to move it. The drop sends the page's move
// form (the same one the day view's "Move…" forms send without JavaScript), so the server decides and says why
// when it refuses. Keyboard users move holds with those forms.
(function () {
  "use strict";

  let dragged = null;

  function cellOf(target) {
    return target instanceof Element ? target.closest("td[data-stage]") : null;
  }

  document.addEventListener("dragstart", function (event) {
    const entry = event.target instanceof Element ? event.target.closest("[data-move]") : null;
    if (!entry) return;
    dragged = entry;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", entry.dataset.hold || "");
    entry.classList.add("bc-entry--dragging");
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("bc-entry--dragging");
    document.querySelectorAll(".bc-cell--drop").forEach(function (cell) {
      cell.classList.remove("bc-cell--drop");
    });
    dragged = null;
  });

  document.addEventListener("dragover", function (event) {
    const cell = cellOf(event.target);
    if (!dragged || !cell) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    cell.classList.add("bc-cell--drop");
  });

  document.addEventListener("dragleave", function (event) {
    const cell = cellOf(event.target);
    if (cell && !cell.contains(event.relatedTarget)) cell.classList.remove("bc-cell--drop");
  });

  document.addEventListener("drop", function (event) {
    const cell = cellOf(event.target);
    const form = document.querySelector("form[data-bc-drag]");
    if (!dragged || !cell || !form) return;
    event.preventDefault();
    form.action = dragged.dataset.move;
    form.elements.stage.value = cell.dataset.stage;
    form.elements.date.value = cell.dataset.date;
    form.submit();
  });
})();
