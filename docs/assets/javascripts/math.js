// Typeset every formula with the vendored KaTeX (no request leaves the site).
// - Markdown pages: pymdownx.arithmatex (generic mode) leaves \( … \) in span.arithmatex and \[ … \] in
//   div.arithmatex.
// - Notebook pages: mkdocs-jupyter leaves raw $…$ / $$…$$ in the rendered Markdown cells.
// A formula KaTeX cannot parse is reported on the console (the browser tests fail on console errors).
(function () {
  "use strict";
  function strip(tex) {
    tex = tex.trim();
    if ((tex.startsWith("\\(") && tex.endsWith("\\)")) || (tex.startsWith("\\[") && tex.endsWith("\\]"))) {
      return tex.slice(2, -2);
    }
    return tex;
  }
  function typeset(root) {
    root.querySelectorAll(".arithmatex").forEach(function (el) {
      if (el.dataset.typeset) return;
      var tex = strip(el.textContent);
      try {
        katex.render(tex, el, { displayMode: el.tagName === "DIV", throwOnError: true, strict: "ignore" });
        el.dataset.typeset = "1";
      } catch (err) {
        console.error("KaTeX could not typeset: " + tex + " (" + err.message + ")");
      }
    });
    root.querySelectorAll(".jp-RenderedMarkdown").forEach(function (el) {
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
    document.documentElement.dataset.mathTypeset = "1";
    if (window.performance && performance.mark) performance.mark("dlref-math-typeset");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { typeset(document.body); });
  } else {
    typeset(document.body);
  }
})();
