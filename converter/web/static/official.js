// What the clerk page (app.js) and the dashboard (dashboard.js) share: building elements, and the
// official tables drawn from /api/format with their values, flagged cells carrying their findings.
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const LEVEL = { error: "错误", warning: "警告" };

function ordered(findings) {
  return [...findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
}

// Jump to a cell: its table's scroller wholly in view, the cell in the middle of it, so the table's
// header (sticky inside the scroller) stays above the cell.
function showCell(cell) {
  const scroller = cell.closest(".scroll");
  scroller.scrollIntoView({ block: "nearest", inline: "nearest" });
  const box = scroller.getBoundingClientRect();
  const at = cell.getBoundingClientRect();
  scroller.scrollTop += at.top - box.top - (scroller.clientHeight - at.height) / 2;
  scroller.scrollLeft += at.left - box.left - (scroller.clientWidth - at.width) / 2;
  cell.focus({ preventScroll: true });
}

function cellId(index, key) {
  return `u${index}-${key.replaceAll(".", "-")}`;
}

function drawTable(table, result, byField, related, index) {
  const rows = Array.from({ length: table.nrows }, () => el("tr"));
  const columns = el("colgroup");
  for (const width of table.widths) {
    const col = el("col");
    col.style.width = `${width}%`;
    columns.append(col);
  }
  for (const cell of table.cells) {
    const attrs = { rowspan: cell.rowspan > 1 ? cell.rowspan : null, colspan: cell.colspan > 1 ? cell.colspan : null };
    rows[cell.row].append(cell.key ? valueCell(cell, attrs, result, byField[cell.key], related, index) : el("th", { ...attrs, class: cell.wrapped ? "words" : null, text: cell.wrapped || cell.label }));
  }
  const head = el("thead", {}, ...rows.slice(0, table.header_rows));
  const body = el("tbody", {}, ...rows.slice(table.header_rows));
  const caption = el("caption", { text: `${table.name}　${table.caption}` });
  const drawn = el("table", { class: `official ${table.id}` }, caption, columns, head, body);
  drawn.style.minWidth = `${table.min_width}em`; // a phone scrolls the table sideways, as `build --html` does
  const scroll = el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": table.name }, drawn);
  const box = el("div", { class: "official-box" }, scroll, el("p", { class: "cell-note", "aria-hidden": "true" }));
  box.addEventListener("focusin", showNote);
  box.addEventListener("mouseover", showNote);
  return box;
}

function valueCell(cell, attrs, result, findings, related, index) {
  const value = result.values[cell.key];
  const td = el("td", { ...attrs, id: cellId(index, cell.key), "data-key": cell.key });
  if (related.has(cell.key)) td.className = "related";
  if (!findings) {
    td.textContent = value === null || value === undefined ? "" : String(value);
    return td;
  }
  const shown = value === null || value === undefined ? findings[0].actual || "" : String(value);
  const text = findings.map((f) => `${LEVEL[f.severity]}（${f.rule}）${f.location}：${f.message}`).join("\n");
  td.className = `flag ${findings[0].severity}`;
  td.tabIndex = 0;
  td.title = text;
  td.dataset.note = text;
  td.setAttribute("aria-describedby", `${td.id}-tip`);
  td.append(el("span", { class: "value", text: shown }), el("span", { class: "visually-hidden", id: `${td.id}-tip`, text }));
  return td;
}

// The message of the flagged cell under the pointer or the focus, in a line under its table.
function showNote(event) {
  const cell = event.target.closest && event.target.closest("td.flag");
  if (!cell) return;
  const note = cell.closest(".official-box").querySelector(".cell-note");
  note.textContent = cell.dataset.note;
  note.className = `cell-note ${cell.classList.contains("error") ? "error" : "warning"}`;
}
