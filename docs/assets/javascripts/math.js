// Formulas are typeset at build time (hooks/mathrender.py, KaTeX under Node.js) and marked data-typeset.
// This script only finishes the job in the browser, with the KaTeX the site ships (no request leaves the
// site), and loads KaTeX only when something is left:
// - formulas the build could not typeset (no Node.js on the build machine): span/div.arithmatex holding
//   \( … \) / \[ … \];
// - notebook pages: mkdocs-jupyter leaves raw $…$ / $$…$$ in the rendered Markdown cells.
// A formula KaTeX cannot parse is reported on the console (the browser tests fail on console errors).
(function () {
  "use strict";
  var script = document.currentScript;
  var root = script.src.replace(/assets\/javascripts\/math\.js(\?.*)?$/, "");

  function load(path) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = root + path;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("could not load " + path)); };
      document.head.appendChild(s);
    });
  }
  function strip(tex) {
    tex = tex.trim();
    if ((tex.startsWith("\\(") && tex.endsWith("\\)")) || (tex.startsWith("\\[") && tex.endsWith("\\]"))) {
      return tex.slice(2, -2);
    }
    return tex;
  }
  function finished() {
    document.documentElement.dataset.mathTypeset = "1";
    if (window.performance && performance.mark) performance.mark("dlref-math-typeset");
  }
  function typeset() {
    var pending = Array.prototype.filter.call(document.querySelectorAll(".arithmatex"),
      function (el) { return !el.dataset.typeset; });
    var cells = Array.prototype.filter.call(document.querySelectorAll(".jp-RenderedMarkdown"),
      function (el) { return /\$|\\\(|\\\[/.test(el.textContent); });
    if (!pending.length && !cells.length) return finished();
    load("assets/vendor/katex/katex.min.js")
      .then(function () { return cells.length ? load("assets/vendor/katex/contrib/auto-render.min.js") : null; })
      .then(function () {
        pending.forEach(function (el) {
          var tex = strip(el.textContent);
          try {
            katex.render(tex, el, { displayMode: el.tagName === "DIV", throwOnError: true, strict: "ignore" });
            el.dataset.typeset = "1";
          } catch (err) {
            console.error("KaTeX could not typeset: " + tex + " (" + err.message + ")");
          }
        });
        cells.forEach(function (el) {
          renderMathInElement(el, {
            delimiters: [
              { left: "$$", right: "$$", display: true },
              { left: "\\[", right: "\\]", display: true },
              { left: "$", right: "$", display: false },
              { left: "\\(", right: "\\)", display: false },
            ],
            throwOnError: false,
            errorCallback: function (msg) { console.error("KaTeX (notebook): " + msg); },
          });
        });
        finished();
      })
      .catch(function (err) { console.error("dlref math: " + err.message); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", typeset);
  } else {
    typeset();
  }
})();
