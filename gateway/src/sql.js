// SQL text into statements, shared by the Worker and its tests.

// splitStatements cuts SQL text into statements at top-level semicolons: it skips quotes and
// comments, and keeps a CREATE TRIGGER body (whose statements end in ';') whole until its END,
// counting CASE ... END inside it. The same rules as adapters/r1's splitter, so the gateway and the
// service cut the migrations identically.
export function splitStatements(script) {
  const out = [];
  let start = 0;
  let word = "";
  let words = [];
  let inTrigger = false;
  let caseDepth = 0;
  let lastWord = "";
  let hasCode = false;
  const flushWord = () => {
    if (word === "") return;
    let w = word.toUpperCase();
    word = "";
    if (words.length < 4) {
      words.push(w);
      if (w === "TRIGGER" && words.length >= 2 && words[0] === "CREATE") inTrigger = true;
    }
    if (inTrigger) {
      if (w === "CASE") caseDepth++;
      else if (w === "END" && caseDepth > 0) {
        caseDepth--;
        w = "";
      }
    }
    lastWord = w;
  };
  const emit = (end) => {
    if (hasCode) out.push(script.slice(start, end).trim());
    start = end + 1;
    words = [];
    inTrigger = false;
    caseDepth = 0;
    lastWord = "";
    hasCode = false;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    const next = script[i + 1];
    const isComment = (c === "-" && next === "-") || (c === "/" && next === "*");
    if (!isComment && c !== ";" && !/\s/.test(c)) hasCode = true;
    if (c === "-" && next === "-") {
      flushWord();
      while (i < script.length && script[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      flushWord();
      const end = script.indexOf("*/", i + 2);
      i = end < 0 ? script.length : end + 1;
    } else if (c === "'" || c === '"' || c === "`" || c === "[") {
      flushWord();
      const closing = c === "[" ? "]" : c;
      for (i++; i < script.length; i++) {
        if (script[i] === closing) {
          if (closing !== "]" && script[i + 1] === closing) {
            i++;
            continue;
          }
          break;
        }
      }
      lastWord = "'";
    } else if (c === ";") {
      flushWord();
      if (!inTrigger || lastWord === "END") emit(i);
    } else if (/[\p{L}\p{N}_]/u.test(c)) {
      word += c;
    } else {
      flushWord();
    }
  }
  flushWord();
  emit(script.length);
  return out;
}
