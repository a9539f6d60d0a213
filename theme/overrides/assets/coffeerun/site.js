/* coffeerun: copy buttons, click-to-play videos, the kit's "signed by" switch, the tab row, print.
   No network requests. */
(function () {
  "use strict";

  /* Copy buttons: data-cr-copy names the element whose text is copied. */
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  var live = document.createElement("div");
  live.className = "cr-sr-only";
  live.setAttribute("aria-live", "polite");
  document.body.appendChild(live);

  function flash(button, message, ok) {
    var label = button.querySelector(".cr-copy__label");
    if (!label) return;
    if (!button.hasAttribute("data-cr-label")) button.setAttribute("data-cr-label", label.textContent);
    label.textContent = message;
    live.textContent = message;
    button.classList.toggle("cr-copy--done", ok);
    clearTimeout(button._crTimer);
    button._crTimer = setTimeout(function () {
      label.textContent = button.getAttribute("data-cr-label");
      button.classList.remove("cr-copy--done");
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-cr-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-cr-copy"));
    if (!source) return;
    copyText(source.textContent).then(
      function () { flash(button, button.getAttribute("data-cr-copied"), true); },
      function () {
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        flash(button, button.getAttribute("data-cr-failed"), false);
      });
  });

  /* Video facades: the player is created only after a click, from the data attributes. */
  function play(facade) {
    var kind = facade.getAttribute("data-cr-video");
    var src = facade.getAttribute("data-cr-src");
    if (!src || !/^https:\/\//.test(src)) return;
    var player;
    if (kind === "iframe") {
      player = document.createElement("iframe");
      player.setAttribute("allow", "autoplay; fullscreen; picture-in-picture; encrypted-media");
      player.setAttribute("allowfullscreen", "");
      /* Players refuse to start without knowing the embedding site: send the origin only, never the
         private path (the page itself says no-referrer). */
      player.setAttribute("referrerpolicy", "strict-origin");
      player.setAttribute("title", facade.getAttribute("data-cr-title") || "");
      player.src = src;
    } else if (kind === "file") {
      player = document.createElement("video");
      player.setAttribute("controls", "");
      player.setAttribute("playsinline", "");
      player.setAttribute("preload", "none");
      player.setAttribute("title", facade.getAttribute("data-cr-title") || "");
      var source = document.createElement("source");
      source.src = src;
      source.type = facade.getAttribute("data-cr-type") || "video/mp4";
      player.appendChild(source);
      var track = facade.getAttribute("data-cr-track");
      if (track) {
        var captions = document.createElement("track");
        captions.kind = "captions";
        captions.src = track;
        captions.srclang = facade.getAttribute("data-cr-track-lang") || document.documentElement.lang;
        captions.label = facade.getAttribute("data-cr-track-label") || "Captions";
        captions.default = true;
        player.appendChild(captions);
      }
    } else {
      return;
    }
    player.className = "cr-player";
    var badge = facade.parentNode.querySelector(".cr-duration");  /* the player shows its own time */
    if (badge) badge.parentNode.removeChild(badge);
    facade.parentNode.replaceChild(player, facade);
    if (kind === "file") {
      var started = player.play();
      if (started && started.catch) started.catch(function () {});
    }
    player.focus();
  }

  document.addEventListener("click", function (event) {
    var facade = event.target.closest && event.target.closest("button[data-cr-video]");
    if (facade) play(facade);
  });

  /* Kit: pick who signs the messages; each advocate has a version with their name filled in. */
  var signer = document.querySelector("[data-cr-signer]");
  if (signer) {
    signer.addEventListener("change", function () {
      var versions = document.querySelectorAll("[data-cr-version]");
      for (var i = 0; i < versions.length; i++) {
        versions[i].hidden = versions[i].getAttribute("data-cr-version") !== signer.value;
      }
    });
  }

  /* The tab row: the current tab scrolled into view, a fade while more tabs hide past the edge. */
  var tabs = document.querySelector(".cr-nav__inner");
  if (tabs) {
    /* Phones show no scrollbar until one scrolls: a chevron at the edge says there is more, and moves on. */
    var more = document.createElement("span");
    more.className = "cr-nav__more";
    more.setAttribute("aria-hidden", "true");
    more.textContent = "\u203a";
    more.addEventListener("click", function () { tabs.scrollBy({ left: tabs.clientWidth * 0.6, behavior: "smooth" }); });
    tabs.parentNode.appendChild(more);
    var mark = function () {
      var hidden = tabs.scrollLeft + tabs.clientWidth < tabs.scrollWidth - 2;
      tabs.classList.toggle("cr-nav__inner--more", hidden);
      more.hidden = !hidden;
    };
    var current = tabs.querySelector("[aria-current]");
    if (current && current.offsetLeft + current.offsetWidth > tabs.clientWidth) {
      tabs.scrollLeft = current.offsetLeft - 24;
    }
    mark();
    tabs.addEventListener("scroll", mark, { passive: true });
    window.addEventListener("resize", mark);
  }

  /* Print: what is folded on screen (objection answers) is printed open, then folded again. */
  var reopened = [];
  window.addEventListener("beforeprint", function () {
    var folded = document.querySelectorAll("details[data-cr-print-open]:not([open])");
    for (var i = 0; i < folded.length; i++) {
      folded[i].open = true;
      reopened.push(folded[i]);
    }
  });
  window.addEventListener("afterprint", function () {
    while (reopened.length) reopened.pop().open = false;
  });
})();
