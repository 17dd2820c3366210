// The copy button of an example copies its code, not its prompts or outputs.
// Material copies a block's data-copy attribute when it has one, else its
// text; each block with prompts (>>> and ... of Python, $ of a shell) gets
// the lines after its prompts, so what is pasted runs as it is.
const PROMPTS = [">>> ", "... ", "$ "];

function codeOf(text) {
  const lines = [];
  for (const line of text.split("\n")) {
    if (line === ">>>" || line === "...") {
      lines.push("");
      continue;
    }
    const prompt = PROMPTS.find((p) => line.startsWith(p));
    if (prompt !== undefined) lines.push(line.slice(prompt.length));
  }
  return lines.join("\n");
}

function markExamples() {
  for (const code of document.querySelectorAll(".highlight code")) {
    if (code.querySelector(".gp")) code.setAttribute("data-copy", codeOf(code.textContent));
  }
}

if (typeof document$ !== "undefined") {
  document$.subscribe(markExamples); // Material's page-load stream
} else {
  document.addEventListener("DOMContentLoaded", markExamples);
}
