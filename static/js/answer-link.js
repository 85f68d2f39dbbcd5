/* The one-click answer of a "Can you play?" email: the link opens a page that saves by POST, and this posts
   it at once, so a person clicks once while a mail scanner that only follows the link changes nothing. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-answer-autosubmit]");
    if (!form || form.dataset.sent) { return; }
    form.dataset.sent = "1";
    var saving = form.querySelector("[data-answer-saving]");
    if (saving) { saving.hidden = false; }
    form.submit();
  });
})();
