// gba-kg pages: the language switch (lang.js chooses and keeps the language) and the search
// box. No data is ever written as markup:
// names go into the page with textContent only.
(function () {
  "use strict";
  var html = document.documentElement;
  var root = html.getAttribute("data-root") || "";
  var served = html.getAttribute("data-served") === "1";

  // lang.js has chosen the language; links into the explorer carry it along
  function keepLang(lang) {
    document.querySelectorAll("a[data-keep-lang]").forEach(function (a) {
      var href = a.getAttribute("href").replace(/([#&])lang=(zh|en)/, "").replace(/#$/, "");
      a.setAttribute("href", href + (href.indexOf("#") >= 0 ? "&" : "#") + "lang=" + lang);
    });
  }

  function entityLink(id) {
    return served ? "/id/" + id : root + "id/" + id + "/index.html";
  }

  function setUp() {
    keepLang(html.getAttribute("data-lang"));
    document.addEventListener("gba-kg-lang", function (e) { keepLang(e.detail); });
    var button = document.getElementById("kg-lang");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.gbaKgSetLang(html.getAttribute("data-lang") === "zh" ? "en" : "zh");
      });
    }
    var items = window.GBA_KG_SEARCH;
    var form = document.querySelector("form.search");
    var input = document.getElementById("kg-search");
    var list = document.getElementById("kg-found");
    if (!form || !input || !list || !Array.isArray(items)) return;
    form.hidden = false;
    var selected = -1;

    function fold(text) { return String(text).toLowerCase(); }

    function show() {
      var words = fold(input.value.trim()).split(/\s+/).filter(Boolean);
      list.textContent = "";
      selected = -1;
      if (!words.length) { list.hidden = true; return; }
      var lang = html.getAttribute("data-lang");
      var found = [];
      for (var i = 0; i < items.length && found.length < 30; i++) {
        var it = items[i];  // [id, zh, en, alternative names, class zh, class en]
        var hay = fold(it[0] + " " + it[1] + " " + it[2] + " " + it[3]);
        if (words.every(function (w) { return hay.indexOf(w) >= 0; })) found.push(it);
      }
      found.forEach(function (it) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = entityLink(it[0]);
        a.textContent = lang === "zh" ? it[1] : it[2];
        var small = document.createElement("small");
        small.textContent = lang === "zh" ? it[4] : it[5];
        a.appendChild(small);
        li.appendChild(a);
        list.appendChild(li);
      });
      if (!found.length) {
        var none = document.createElement("li");
        none.textContent = lang === "zh" ? "没有结果" : "nothing found";
        list.appendChild(none);
      }
      list.hidden = false;
    }

    function move(step) {
      var links = list.querySelectorAll("a");
      if (!links.length) return;
      if (selected >= 0) links[selected].removeAttribute("aria-selected");
      selected = (selected + step + links.length) % links.length;
      links[selected].setAttribute("aria-selected", "true");
      links[selected].scrollIntoView({ block: "nearest" });
    }

    input.addEventListener("input", show);
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
      else if (e.key === "Escape") { list.hidden = true; }
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var links = list.querySelectorAll("a");
      var go = links[Math.max(selected, 0)];
      if (go) location.href = go.href;
    });
    document.addEventListener("click", function (e) {
      if (!form.contains(e.target)) list.hidden = true;
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
