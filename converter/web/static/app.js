// xxgk serve: the page's behaviour. No framework, no build step; loaded from the server only.
"use strict";

const state = { format: null, files: [], results: [] };
const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ requests

const STATUS_TEXT = {
  408: "上传超时，请检查网络后重试。",
  413: "文件太大，请确认选择的是填好的工作簿。",
  503: "服务器正忙，请稍等片刻再试。",
};

class ApiError extends Error {
  constructor(status, message, data) {
    super(message);
    this.status = status;
    this.data = data;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A busy server (503) is asked again a few times, after the pause it names, before the clerk is told.
async function post(url, form, tries = 4) {
  let response;
  try {
    response = await fetch(url, { method: "POST", body: form });
  } catch (_) {
    throw new ApiError(0, "无法连接服务器：请确认网页服务仍在运行，然后刷新页面重试。", null);
  }
  if (response.status === 503 && tries > 1) {
    await sleep(1000 * Math.min(10, Number(response.headers.get("Retry-After")) || 2));
    return post(url, form, tries - 1);
  }
  if (response.ok) return response;
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  const message = (data && data.message) || STATUS_TEXT[response.status] || `服务器出错（HTTP ${response.status}），请稍后重试。`;
  throw new ApiError(response.status, message, data);
}

function filenameOf(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (utf8) return decodeURIComponent(utf8[1]);
  const plain = /filename="([^"]+)"/i.exec(header);
  return plain ? plain[1] : fallback;
}

async function saveDownload(response, fallback) {
  const name = filenameOf(response, fallback);
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return name;
}

function say(id, text, kind) {
  const node = $(id);
  node.textContent = text;
  node.className = "status" + (kind ? " " + kind : "");
}

// ------------------------------------------------------------------ ① new workbook

// The report year a clerk is most likely writing: last year's report until June, this year's from July.
function likelyYear(today) {
  return today.getMonth() < 6 ? today.getFullYear() - 1 : today.getFullYear();
}

// The browser's own validation messages speak the browser's language: the page says them in Chinese.
const FIELD_MESSAGES = {
  org: { valueMissing: "请填写机关全称，如：某某县某某局。", tooLong: "机关全称最多 100 个字。" },
  year: {
    valueMissing: "请填写报告年度（四位数字，如 2024）。",
    badInput: "年度只填四位数字，如 2024。",
    stepMismatch: "年度只填四位数字，如 2024。",
    rangeUnderflow: "年度应在 2000 至 2100 之间。",
    rangeOverflow: "年度应在 2000 至 2100 之间。",
  },
};

function chineseValidation(form) {
  for (const [name, messages] of Object.entries(FIELD_MESSAGES)) {
    const input = form.elements[name];
    const explain = () => {
      input.setCustomValidity("");
      const problem = Object.keys(messages).find((key) => input.validity[key]);
      input.setCustomValidity(problem ? messages[problem] : "");
    };
    input.addEventListener("invalid", explain);
    input.addEventListener("input", explain);
  }
}

// 机关类型 follows the organ's name as it is typed (the server's rule, as `xxgk new --org` and the
// workbook use it) until the clerk chooses a type.
function followOrganName(form) {
  const select = $("organ-type");
  const note = $("organ-type-note");
  let chosen = false;
  let asked = 0;
  select.addEventListener("change", () => {
    chosen = true;
    note.textContent = "";
  });
  form.org.addEventListener("input", () => {
    if (chosen) return;
    const ticket = ++asked;
    setTimeout(async () => {
      if (ticket !== asked) return; // a later keystroke asks instead
      try {
        const response = await fetch("/api/organ?org=" + encodeURIComponent(form.org.value.trim()));
        const answer = await response.json();
        if (ticket !== asked || chosen || !response.ok) return;
        select.value = answer.organ_type || "";
        note.textContent = answer.organ_type ? `按机关全称推定为“${answer.organ_type}”，如不对请改选` : "";
      } catch (_) {
        // the type is optional: the workbook infers it again
      }
    }, 200);
  });
}

function setUpNewForm() {
  const form = $("new-form");
  form.year.value = likelyYear(new Date());
  for (const type of state.format.organ_types) $("organ-type").append(el("option", { value: type, text: type }));
  chineseValidation(form);
  followOrganName(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData();
    data.append("org", form.org.value.trim());
    data.append("year", form.year.value);
    data.append("organ_type", form.organ_type.value);
    if (form.previous.files.length) data.append("previous", form.previous.files[0]);
    say("new-status", "正在生成工作簿…");
    try {
      const name = await saveDownload(await post("/api/new", data), "工作簿.xlsx");
      say("new-status", `已下载：${name}。请用 Excel 或 WPS 打开填写，填好后在第 ② 步检查。`, "ok");
    } catch (error) {
      say("new-status", error.message, "bad");
    }
  });
}

// ------------------------------------------------------------------ ② check

function setUpDrop() {
  const drop = $("drop");
  $("files").addEventListener("change", (event) => {
    checkAll([...event.target.files]);
    event.target.value = "";
  });
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const name of ["dragleave", "drop"]) drop.addEventListener(name, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    checkAll([...event.dataTransfer.files]);
  });
  // A file dropped beside the box must not make the browser leave the page.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());
}

function extras(form, withPrevious) {
  if (withPrevious && $("previous").files.length) form.append("previous", $("previous").files[0]);
  if ($("template").files.length) form.append("template", $("template").files[0]);
  return form;
}

async function checkAll(files) {
  if (!files.length) return;
  state.files = files;
  state.results = [];
  $("results").replaceChildren();
  $("units").replaceChildren();
  $("downloads").replaceChildren();
  say("download-status", "");
  for (const [i, file] of files.entries()) {
    say("check-status", files.length > 1 ? `正在检查第 ${i + 1} 个，共 ${files.length} 个…` : `正在检查 ${file.name}…`);
    state.results.push(await checkOne(file));
    showResult(i);
  }
  const passed = state.results.filter((r) => r.ok).length;
  say("check-status", `检查完成：${files.length} 个文件，${passed} 个通过。`, passed === files.length ? "ok" : "bad");
  if (files.length > 1) showUnits();
  showDownloads();
}

async function checkOne(file) {
  const form = new FormData();
  form.append("workbook", file);
  if ($("previous").files.length) form.append("previous", $("previous").files[0]);
  try {
    return (await (await post("/api/check", form)).json())[0];
  } catch (error) {
    const item = error.data && Array.isArray(error.data) ? error.data[0] : null;
    return item || { file: file.name, ok: false, unreadable: true, message: error.message };
  }
}

function verdict(result) {
  if (result.published) return { text: "已发布的报告", kind: "bad" };
  if (!("findings" in result)) return { text: "无法检查", kind: "bad" };
  if (result.errors) return { text: `有 ${result.errors} 个错误`, kind: "bad" };
  return { text: result.warnings ? `通过（${result.warnings} 个警告）` : "通过", kind: "ok" };
}

function showResult(index) {
  const result = state.results[index];
  const v = verdict(result);
  const card = el("article", { class: "unit", id: `unit-${index}`, "aria-labelledby": `unit-${index}-h` });
  card.append(
    el("h3", { id: `unit-${index}-h` }, el("span", { text: result.file }), " ", el("span", { class: `badge ${v.kind}`, text: v.text })),
  );
  if (!("findings" in result)) {
    card.append(el("p", { class: "alert", role: "alert", text: result.message }));
    if (result.published) card.append(importButton(index));
  } else {
    card.append(el("p", { class: "title", text: result.title || "" }));
    card.append(el("p", { class: `summary ${v.kind}`, text: summaryText(result) }));
    if (result.findings.length) card.append(findingsTable(result, index));
    const flagged = result.findings.some((f) => state.tableKeys.has(f.field));
    const tables = el("details", { class: "drawn", open: flagged || null });
    const label = flagged ? "在官方表格中查看（已标出有问题的单元格）" : "在官方表格中查看填写的数字";
    tables.append(el("summary", { text: label }), ...drawTables(result, index));
    card.append(tables);
  }
  $("results").append(card);
}

function summaryText(result) {
  const head = result.errors ? "检查未通过" : "检查通过";
  const tail = result.errors ? "请在工作簿中改正后再次检查。" : "可在第 ③ 步下载 Word 报告。";
  return `${head}：${result.errors} 个错误，${result.warnings} 个警告。${tail}`;
}

// The sentences or passages a finding quotes (C3's period, P1's repeated passages), each on its own line.
function evidence(finding) {
  return (finding.evidence || []).map((quote) => el("span", { class: "evidence", text: `引文：${quote}` }));
}

function findingsTable(result, index) {
  const body = el("tbody");
  for (const finding of ordered(result.findings)) {
    const where = finding.location;
    const place = state.tableKeys.has(finding.field)
      ? el("button", { type: "button", class: "link", "data-target": cellId(index, finding.field), text: where })
      : where;
    body.append(
      el(
        "tr",
        { class: finding.severity },
        el("td", { text: LEVEL[finding.severity] || finding.severity }),
        el("td", { text: finding.rule }),
        el("td", {}, place),
        el("td", {}, finding.message, ...evidence(finding)),
      ),
    );
  }
  body.addEventListener("click", (event) => {
    const target = event.target.closest("button[data-target]");
    if (!target) return;
    const cell = $(target.dataset.target);
    for (let d = cell.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
    showCell(cell);
  });
  const head = el("thead", {}, el("tr", {}, ...["级别", "规则", "工作表!单元格", "说明"].map((t) => el("th", { scope: "col", text: t }))));
  return el("div", { class: "scroll" }, el("table", { class: "findings" }, el("caption", { text: "检查结果（错误在前）" }), head, body));
}

// ------------------------------------------------------------------ the official tables

function drawTables(result, index) {
  // A finding marks its cell, and every cell it covers (a table's blank cells are one finding);
  // the cells that enter its equation (related) are outlined lightly.
  const byField = {};
  const related = new Set();
  for (const finding of ordered(result.findings)) {
    const cells = finding.covers && finding.covers.length ? finding.covers : finding.field ? [finding.field] : [];
    for (const key of cells) (byField[key] = byField[key] || []).push(finding);
    for (const key of finding.related || []) related.add(key);
  }
  for (const key of Object.keys(byField)) related.delete(key);
  const flagged = (table) => table.cells.some((c) => c.key && byField[c.key]);
  const anyFlagged = state.format.tables.some(flagged);
  return state.format.tables.map((table) => {
    const open = flagged(table) || !anyFlagged;
    const details = el("details", { class: "table", open: open || null });
    details.append(el("summary", { text: `${table.name}　${table.caption}${flagged(table) ? "（有标出的单元格）" : ""}` }));
    details.append(drawTable(table, result, byField, related, index));
    return details;
  });
}

// ------------------------------------------------------------------ several units, ③ download

function showUnits() {
  const body = el("tbody");
  state.results.forEach((result, i) => {
    const v = verdict(result);
    body.append(
      el(
        "tr",
        {},
        el("td", {}, el("a", { href: `#unit-${i}`, text: result.file })),
        el("td", { text: result.title || "—" }),
        el("td", {}, el("span", { class: `badge ${v.kind}`, text: v.text })),
        el("td", { text: "errors" in result ? String(result.errors) : "—" }),
        el("td", { text: "warnings" in result ? String(result.warnings) : "—" }),
      ),
    );
  });
  const head = el("thead", {}, el("tr", {}, ...["文件", "报告标题", "状态", "错误", "警告"].map((t) => el("th", { scope: "col", text: t }))));
  $("units").append(el("div", { class: "scroll" }, el("table", { class: "units" }, el("caption", { text: "各单位检查情况" }), head, body)));
}

function showDownloads() {
  const passed = state.results.map((r, i) => [r, i]).filter(([r]) => r.ok);
  $("download-hint").textContent = passed.length ? "以下工作簿检查通过，点击下载 Word 报告：" : "没有检查通过的工作簿。请按第 ② 步的提示改正后再次检查。";
  for (const [result, i] of passed) {
    const button = el("button", { type: "button", class: "download", text: `下载 Word 报告：${result.title || result.file}` });
    button.addEventListener("click", () => buildOne(i, button));
    $("downloads").append(button);
  }
  if (passed.length > 1) {
    const button = el("button", { type: "button", class: "download zip", text: `下载全部 ${passed.length} 份通过的报告（.zip）` });
    button.addEventListener("click", () => buildZip(passed.map(([, i]) => i), button));
    $("downloads").append(button);
  }
}

// A published report dropped by mistake: read it into a standard workbook (`xxgk import -o`).
function importButton(index) {
  const button = el("button", { type: "button", class: "import", text: "导入：读出这份报告中的数字，下载标准工作簿" });
  const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
  button.addEventListener("click", async () => {
    const form = new FormData();
    form.append("report", state.files[index]);
    button.disabled = true;
    status.textContent = "正在导入，请稍候…";
    status.className = "status";
    try {
      const response = await post("/api/import", form);
      const blank = Number(response.headers.get("X-Xxgk-Blank")) || 0;
      const name = await saveDownload(response, "工作簿.xlsx");
      const left = blank ? `有 ${blank} 个数字无法确定，已留空，请在工作簿中补填；` : "";
      status.textContent = `已下载：${name}。${left}请核对后再在本步检查。`;
      status.className = "status ok";
    } catch (error) {
      status.textContent = error.message;
      status.className = "status bad";
    } finally {
      button.disabled = false;
    }
  });
  return el("div", { class: "import-box" }, button, status);
}

async function withBusy(button, work) {
  button.disabled = true;
  say("download-status", "正在生成，请稍候…");
  try {
    const name = await work();
    say("download-status", `已下载：${name}`, "ok");
  } catch (error) {
    say("download-status", error.message, "bad");
  } finally {
    button.disabled = false;
  }
}

function buildOne(index, button) {
  const form = extras(new FormData(), true);
  form.append("workbook", state.files[index]);
  return withBusy(button, async () => saveDownload(await post("/api/build", form), "报告.docx"));
}

function buildZip(indexes, button) {
  const form = extras(new FormData(), false);
  for (const i of indexes) form.append("workbook", state.files[i]);
  return withBusy(button, async () => saveDownload(await post("/api/build-zip", form), "报告.zip"));
}

// ------------------------------------------------------------------ start

// The browser's own file button speaks the browser's language: a Chinese one instead.
function chineseFilePickers() {
  for (const input of document.querySelectorAll("input[type=file]:not(#files)")) {
    const chosen = el("span", { class: "chosen", text: "未选择文件" });
    const button = el("button", { type: "button", class: "small", text: "选择文件…" });
    button.addEventListener("click", () => input.click());
    input.classList.add("visually-hidden");
    input.tabIndex = -1;
    input.after(el("span", { class: "picker" }, button, chosen));
    input.addEventListener("change", () => {
      chosen.textContent = input.files.length ? input.files[0].name : "未选择文件";
    });
  }
}

async function start() {
  try {
    const response = await fetch("/api/format");
    state.format = await response.json();
  } catch (_) {
    say("check-status", "无法连接服务器：请确认网页服务仍在运行，然后刷新页面。", "bad");
    return;
  }
  state.tableKeys = new Set(state.format.tables.flatMap((t) => t.cells.map((c) => c.key).filter(Boolean)));
  chineseFilePickers();
  setUpNewForm();
  setUpDrop();
  document.body.dataset.ready = "true";
}

start();
