/* Drag a song of a set list to a new place (or into another set): the whole new order is posted and the
   list swapped by htmx. The keyboard path is the Move buttons on each song; this only adds the mouse and
   touch one. */
(function () {
  "use strict";
  var dragged = null;

  function order(root) {
    var data = new FormData();
    root.querySelectorAll(".sl-entries").forEach(function (list) {
      list.querySelectorAll(".sl-entry").forEach(function (item) {
        data.append("entry", item.dataset.song + ":" + list.dataset.set);
      });
    });
    return data;
  }

  function save(root) {
    var values = {};
    var entries = [];
    order(root).forEach(function (value) { entries.push(value); });
    values.entry = entries;
    values.base = root.dataset.base || "";  // the version reordered: a stale one is refused with both orders
    window.htmx.ajax("POST", root.dataset.orderUrl, { target: "#set-list", swap: "outerHTML", values: values });
  }

  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest(".sl-entry[draggable]");
    if (!item) { return; }
    dragged = item;
    item.classList.add("sl-entry--dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.id);
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    var list = event.target.closest && event.target.closest(".sl-entries");
    if (!list) { return; }
    event.preventDefault();
    var over = event.target.closest(".sl-entry");
    var empty = list.querySelector(".sl-empty");
    if (empty) { empty.remove(); }
    if (over && over !== dragged) {
      var box = over.getBoundingClientRect();
      list.insertBefore(dragged, event.clientY > box.top + box.height / 2 ? over.nextSibling : over);
    } else if (!over) {
      list.appendChild(dragged);
    }
  });

  document.addEventListener("dragend", function () {
    if (!dragged) { return; }
    var root = dragged.closest("#set-list");
    dragged.classList.remove("sl-entry--dragging");
    dragged = null;
    if (root) { save(root); }
  });
})();
