// The page's language, set before the page is drawn: ?lang=zh|en, then what the reader chose
// last (localStorage "gba-kg-lang"), then the browser's language. Bilingual text is written as
// sibling elements (lang="zh-Hans" and lang="en"); CSS hides the one not chosen.
(function () {
  "use strict";
  var KEY = "gba-kg-lang";
  function valid(value) {
    return value === "zh" || value === "en" ? value : null;
  }
  function stored() {
    try {
      return valid(window.localStorage.getItem(KEY));
    } catch (e) {
      return null; // storage refused (a privacy setting): the choice is not remembered
    }
  }
  function chosen() {
    var asked = valid(new URLSearchParams(window.location.search).get("lang"));
    if (asked) return asked;
    var kept = stored();
    if (kept) return kept;
    return (navigator.language || "").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  }
  function apply(lang) {
    var root = document.documentElement;
    root.setAttribute("data-lang", lang);
    root.setAttribute("lang", lang === "zh" ? "zh-Hans" : "en");
  }
  apply(chosen());
  // switch: remember the choice, keep ?lang= in the address in step, tell the page
  window.gbaKgSetLang = function (lang) {
    if (!valid(lang)) return;
    apply(lang);
    try {
      window.localStorage.setItem(KEY, lang);
    } catch (e) {
      // not remembered; the page still switches
    }
    var url = new URL(window.location.href);
    if (url.searchParams.has("lang")) {
      url.searchParams.set("lang", lang);
      window.history.replaceState(window.history.state, "", url.toString());
    }
    document.dispatchEvent(new CustomEvent("gba-kg-lang", { detail: lang }));
  };
})();
