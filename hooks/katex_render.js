// Build-time math: read a JSON array of [tex, displayMode] from stdin, write a JSON array of HTML strings
// (null where KaTeX cannot parse the formula, so the page falls back to rendering it in the browser).
// Uses the KaTeX that the site ships (docs/assets/vendor/katex), so build-time and browser output agree.
const path = require("path");
const katex = require(path.join(__dirname, "..", "docs", "assets", "vendor", "katex", "katex.min.js"));
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(([tex, display]) => {
    try {
      return katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "ignore" });
    } catch (err) {
      return null;
    }
  });
  process.stdout.write(JSON.stringify(out));
});
