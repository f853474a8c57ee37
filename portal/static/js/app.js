// Small behaviours the server-rendered pages rely on. No inline script: the CSP forbids it.
(function () {
  "use strict";

  var alertBox = function () { return document.getElementById("app-alert"); };

  function showAlert(message) {
    var box = alertBox();
    if (!box) { return; }
    box.textContent = message;
    box.hidden = false;
  }

  // A request the page makes by itself (the bell's count, every minute) is no one's action: it leaves
  // the alert as it is, and when it fails it says nothing (it asks again on its next turn).
  function inBackground(event) {
    var elt = event.detail && event.detail.elt;
    return !!(elt && elt.hasAttribute && elt.hasAttribute("data-background"));
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (inBackground(event)) { return; }
    var box = alertBox();
    if (box) { box.hidden = true; box.textContent = ""; }
  });

  // What the script says, in the page's language: base.html lists it (app-strings); English otherwise.
  var strings = (function () {
    var data = document.getElementById("app-strings");
    try { return data ? JSON.parse(data.textContent) : {}; } catch (e) { return {}; }
  })();
  function said(key, english) { return strings[key] || english; }

  // htmx does not swap error answers; say plainly what happened instead of doing nothing.
  document.addEventListener("htmx:responseError", function (event) {
    if (inBackground(event)) { return; }
    var status = event.detail.xhr.status;
    var messages = {
      400: said("400", "That request could not be used. Reload the page and try again."),
      403: said("403", "Your role does not allow that."),
      404: said("404", "That record could not be found. It may have been removed."),
      409: said("409", "Someone else changed this at the same time. Reload to see their change."),
      429: said("429", "Too many attempts. Wait a few minutes and try again.")
    };
    showAlert(messages[status] || said("500", "Something went wrong on our side. Try again in a moment."));
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (inBackground(event)) { return; }
    showAlert(said("offline", "The portal could not be reached. Check your connection and try again."));
  });

  // The dashboard's figures (#dashboard-body) come from two kinds of request: a change of filters
  // (data-figures="filters"; one at a time, the latest choice queued) and the notice's polling for
  // figures being computed (data-figures="poll"). Each answer sets the address bar as it lands, so only
  // the answer to the latest choice may land: an answer overtaken by a newer choice of filters, or by
  // Back or Forward, is dropped before it touches the page or the address (aborting it instead would
  // log an error for each request called off). A poll waits while new filters are on their way or the
  // browser is bringing back an earlier page.
  var figures = {generation: 0, pending: false, restoring: false};

  function figuresKind(elt) {
    return elt && elt.getAttribute ? elt.getAttribute("data-figures") : null;
  }

  function dropStale(event) {
    if (event.detail.xhr.figuresGeneration !== figures.generation) { event.preventDefault(); }
  }

  // Capturing: a choice counts before the form's own handler sends it.
  ["change", "submit"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var form = event.target && event.target.closest ? event.target.closest("form") : null;
      if (figuresKind(form) !== "filters") { return; }
      figures.generation += 1;
      figures.pending = true;
    }, true);
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var kind = figuresKind(elt);
    if (!kind) { return; }
    if (figures.restoring || (kind === "poll" && figures.pending)) { event.preventDefault(); return; }
    event.detail.xhr.figuresGeneration = figures.generation;
    if (!elt.figuresWatched) {  // on the element itself: it may have left the page when the answer comes
      elt.figuresWatched = true;
      elt.addEventListener("htmx:beforeOnLoad", dropStale);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (figuresKind(event.detail.elt) === "filters" && event.detail.xhr.figuresGeneration === figures.generation) {
      figures.pending = false;
    }
  });

  window.addEventListener("popstate", function (event) {
    if (!event.state || !event.state.htmx) { return; }  // a link within the page (#goals): nothing to restore
    figures.generation += 1;
    figures.pending = false;
    figures.restoring = true;
  });
  ["htmx:historyRestore", "htmx:historyCacheMissLoadError"].forEach(function (name) {
    document.addEventListener(name, function () { figures.restoring = false; });
  });

  function focusOn(element) {
    if (!element.hasAttribute("tabindex")) { element.setAttribute("tabindex", "-1"); }
    element.focus();
  }

  // A table wider than its column scrolls; keyboard users must be able to reach and scroll it too.
  function markScrollingTables(root) {
    (root || document).querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        var caption = wrap.querySelector("caption");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", (caption ? caption.textContent.trim() : said("table", "Table")) + " " +
                          said("scrolls", "(scrolls sideways)"));
      } else if (wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }

  // An autosaved target row comes back with its errors; mark the fields they belong to.
  function markInvalidFields(swapped) {
    var row = swapped && swapped.closest ? swapped.closest(".target-row") : null;
    if (!row) { return; }
    row.querySelectorAll("input[id], select[id], textarea[id]").forEach(function (field) {
      var invalid = !!document.getElementById("err-" + field.id);
      if (invalid) { field.setAttribute("aria-invalid", "true"); } else { field.removeAttribute("aria-invalid"); }
      var wrapper = field.closest(".field");
      if (wrapper) { wrapper.classList.toggle("field--error", invalid); }
    });
  }

  // After a swap, focus goes where the server marked it (the status of what just happened), or to
  // an error summary. Otherwise it stays where the person was, e.g. typing in a filter.
  document.addEventListener("htmx:afterSettle", function (event) {
    markInvalidFields(event.detail.elt);
    markScrollingTables();
    var marked = document.querySelector("[data-swap-focus]");
    if (marked) {
      marked.removeAttribute("data-swap-focus");
      focusOn(marked);
      return;
    }
    var summary = event.detail.elt && event.detail.elt.querySelector ? event.detail.elt.querySelector(".error-summary") : null;
    if (summary) { focusOn(summary); }
  });

  // A form with a sticky bar of actions at the bottom of the window: the field that takes the focus is
  // scrolled above the bar, never left under it (the browser only scrolls a field that is off screen).
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    var form = field && field.closest ? field.closest("form") : null;
    var bar = form ? form.querySelector(".form-actions") : null;
    if (!bar || bar.contains(field)) { return; }
    // A button pressed with the mouse is left where it is: moving it between the press and the release
    // would lose the click.
    if (field.tagName === "BUTTON" && !field.matches(":focus-visible")) { return; }
    var hidden = field.getBoundingClientRect().bottom - bar.getBoundingClientRect().top;
    if (hidden > 0) { window.scrollBy(0, hidden + 16); }
  });

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () { markScrollingTables(); }, 150);
  });

  // On narrow screens the navigation folds behind a menu button; Escape closes it again.
  function setUpMenu() {
    var toggle = document.querySelector(".nav-toggle");
    var nav = toggle ? document.getElementById(toggle.getAttribute("aria-controls")) : null;
    if (!nav) { return; }
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      toggle.setAttribute("aria-expanded", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true" &&
          window.getComputedStyle(toggle).display !== "none") {
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  // The header's search box: htmx fills the list below it as one types. Down arrow moves from the box
  // into the results and between them, up arrow back; Escape, or leaving the box and its list, closes
  // the list. Without script the box is a plain form to the search page.
  function setUpSiteSearch() {
    var form = document.querySelector("[data-site-search]");
    var input = form ? form.querySelector("input[type='search']") : null;
    var list = form ? form.querySelector(".site-search__results") : null;
    if (!input || !list) { return; }
    var links = function () { return Array.prototype.slice.call(list.querySelectorAll("a")); };
    var open = function () { list.hidden = !list.textContent.trim(); };
    var close = function () { list.hidden = true; };
    form.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target === list) {
        if (document.activeElement === input || form.contains(document.activeElement)) { open(); } else { close(); }
      }
    });
    input.addEventListener("focus", open);
    form.addEventListener("keydown", function (event) {
      var all = links();
      var at = all.indexOf(document.activeElement);
      if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        input.focus();  // before closing: focusing the box opens the list when it has results
        close();
      } else if (event.key === "ArrowDown" && !list.hidden && all.length) {
        event.preventDefault();
        all[Math.min(at + 1, all.length - 1)].focus();
      } else if (event.key === "ArrowUp" && at >= 0) {
        event.preventDefault();
        if (at === 0) { input.focus(); } else { all[at - 1].focus(); }
      }
    });
    form.addEventListener("focusout", function (event) {
      if (!event.relatedTarget || !form.contains(event.relatedTarget)) { close(); }
    });
  }

  // A form whose fields save themselves (the target plan): its own buttons wait for those saves. A
  // value typed a moment before "Submit for review" is saved first, and the submit then carries the
  // plan's version that save produced, not the one the page had before it. When a save is refused
  // the form is still sent, and the page that comes back lists the problem above the form.
  // A form whose fields save themselves (htmx) waits, when its button is pressed, for the saves typed or
  // running, then submits. A save that fails stops the wait (the alert says why) and its field counts as
  // unsaved again; a wait longer than data-wait-for-saves milliseconds (20 s) stops too and says so, so
  // nothing is submitted without a value the person typed.
  function setUpWaitingForSaves(form) {
    var typed = [];  // fields changed since their last save began, or whose save failed
    var running = 0;  // saves sent and not yet answered
    var waiting = null;  // the button pressed while saves were running
    var limit = null;  // the timer that ends a wait gone on too long
    var saves = function (elt) { return elt && form.contains(elt) && elt.hasAttribute("hx-post"); };
    function unsaved(field) {
      if (typed.indexOf(field) < 0) { typed.push(field); }
    }
    function stopWaiting(message) {
      window.clearTimeout(limit);
      limit = null;
      waiting = null;
      if (message) { showAlert(message); }
    }
    form.addEventListener("input", function (event) {
      if (saves(event.target)) { unsaved(event.target); }
    });
    form.addEventListener("htmx:beforeRequest", function (event) {
      if (!saves(event.detail.elt)) { return; }
      typed = typed.filter(function (field) { return field !== event.detail.elt; });
      running += 1;
    });
    function carryOn() {
      if (running > 0 || typed.length || !waiting) { return; }
      var button = waiting;
      stopWaiting("");
      form.setAttribute("data-saves-done", "");
      form.requestSubmit(button);
    }
    form.addEventListener("htmx:afterRequest", function (event) {
      if (!saves(event.detail.elt)) { return; }
      running = Math.max(0, running - 1);
      if (event.detail.successful !== true) {  // not reached, or an error answer: the value is not saved
        unsaved(event.detail.elt);
        if (waiting) { stopWaiting(""); }  // htmx:sendError / htmx:responseError have said why
        return;
      }
      window.setTimeout(carryOn, 0);  // a queued save starts once this one has ended
    });
    form.addEventListener("submit", function (event) {
      if (form.hasAttribute("data-saves-done")) { form.removeAttribute("data-saves-done"); return; }
      if ((running === 0 && !typed.length) || !window.htmx) { return; }
      event.preventDefault();
      if (waiting) { return; }  // already waiting for these saves
      waiting = event.submitter || form.querySelector("button[type='submit']");
      var wait = parseInt(form.getAttribute("data-wait-for-saves"), 10) || 20000;
      limit = window.setTimeout(function () {
        stopWaiting(said("saving", "Your last change is still being saved, so nothing was sent yet. Check your " +
                                   "connection, then press the button again."));
      }, wait);
      typed.slice().forEach(function (field) { window.htmx.trigger(field, "change"); });
      window.setTimeout(carryOn, 0);
    });
  }

  // A link in an error summary takes the person into the field itself, not just to it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".error-summary a[href^='#']") : null;
    var field = link ? document.getElementById(link.getAttribute("href").slice(1)) : null;
    if (!field) { return; }
    var details = field.closest("details");
    if (details) { details.open = true; }
    event.preventDefault();
    field.scrollIntoView({block: "center"});
    field.focus();
  });

  // A page arrives with an error summary: focus it. With only a message about what just happened
  // (saved, submitted, approved): start there, so it is read first.
  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    setUpSiteSearch();
    document.querySelectorAll("form[data-wait-for-saves]").forEach(setUpWaitingForSaves);
    // A long form's finished rows fold to one line (their summary opens them again); without
    // script every row stays open.
    document.querySelectorAll("details[data-fold]").forEach(function (row) { row.open = false; });
    markScrollingTables();
    var summary = document.querySelector(".error-summary");
    var flashes = document.querySelector(".flashes");
    if (summary) { summary.focus(); } else if (flashes) { focusOn(flashes); }
  });
})();
