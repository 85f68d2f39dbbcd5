// The card form of the pay pages. Stripe.js (or, in test mode, localstripe's) draws the card field and
// sends the card to Stripe only; our server gets a payment method's id and answers in JSON.
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };

  function post(url, form, extra) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    Object.keys(extra || {}).forEach(function (k) { data.append(k, extra[k]); });
    return fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().catch(function () { return { state: "unavailable", message: gettext("Payments are unavailable right now, and nothing was charged.") }; }); })
      .catch(function () { return { state: "unavailable", message: gettext("The connection failed. Nothing was charged; try again.") }; });
  }

  function start(form) {
    if (typeof window.Stripe !== "function") {
      form.querySelector("[data-pay-error]").textContent = gettext("The card form could not load. Nothing was charged; reload the page to try again.");
      return;
    }
    var stripe = window.Stripe(form.dataset.stripeKey);
    var card = stripe.elements().create("card");
    var holder = form.querySelector("[data-card]");
    card.mount(holder);
    // Stripe's own field is a labelled frame; test mode's (localstripe) draws bare inputs: name them.
    var names = {
      number: gettext("Card number"), exp_month: gettext("Expiry month (MM)"), exp_year: gettext("Expiry year (YY)"),
      cvc: gettext("Security code"), postal_code: gettext("Postcode")
    };
    holder.querySelectorAll("input:not([aria-label])").forEach(function (input) {
      var name = names[input.getAttribute("placeholder")];
      if (name) { input.setAttribute("aria-label", name); input.setAttribute("autocomplete", "off"); }
    });
    var button = form.querySelector("[data-pay-button]");
    var error = form.querySelector("[data-pay-error]");
    var status = form.querySelector("[data-pay-status]");
    var label = button.textContent;

    function busy(on, words) {
      button.disabled = on;
      button.textContent = on ? gettext("Paying…") : label;
      status.textContent = words || "";
    }
    function fail(words) {
      busy(false);
      error.textContent = words;
      error.focus();
    }
    function answer(reply) {
      if (reply.state === "paid" || reply.state === "processing") {
        status.textContent = reply.message;
        window.location.assign(reply.next);
      } else if (reply.state === "action") {
        stripe.confirmCardPayment(reply.client_secret).then(function () {
          return post(reply.check, form);
        }).then(answer);
      } else if (reply.state === "second_factor") {
        // Two-factor is on and not given lately (accounts/mfa.py): give it, then come back and pay.
        fail(reply.message);
        window.location.assign(reply.next);
      } else if (reply.state === "lost") {
        fail(reply.message);
        if (reply.next) { setTimeout(function () { window.location.assign(reply.next); }, 4000); }
      } else {
        fail(reply.message || gettext("The card could not be charged. Nothing was charged."));
      }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (button.disabled) return;
      error.textContent = "";
      busy(true, gettext("Checking the card…"));
      var payment = "";
      post(form.dataset.setupUrl, form, { purpose: form.dataset.purpose || "" }).then(function (reply) {
        if (reply.state === "second_factor") { fail(reply.message); window.location.assign(reply.next); return null; }
        if (reply.state !== "setup") { fail(reply.message); return null; }
        payment = reply.payment || "";
        return stripe.confirmCardSetup(reply.client_secret, { payment_method: { card: card } });
      }).then(function (result) {
        if (!result) return null;
        if (result.error) {
          var declined = result.error.code === "card_declined" || !result.error.message;
          fail(declined ? gettext("Your card was declined. Nothing was charged; try another card.") : result.error.message + " " + gettext("Nothing was charged."));
          return null;
        }
        busy(true, gettext("Paying…"));
        return post(form.action, form, { payment_method: result.setupIntent.payment_method, payment: payment });
      }).then(function (reply) { if (reply) answer(reply); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-pay]").forEach(start);
  });
})();
