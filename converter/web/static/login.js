// The dashboard's login form: a token fetched for this form (double-submitted), then name and password.
"use strict";

async function login(event) {
  event.preventDefault();
  const status = document.getElementById("login-status");
  const form = event.target;
  form.querySelector("button").disabled = true;
  try {
    const token = (await (await fetch("/api/library/login-token")).json()).token;
    const response = await fetch("/api/library/login", {
      method: "POST",
      body: new FormData(form),
      headers: { "X-CSRF-Token": token },
    });
    if (response.ok) {
      location.href = "/dashboard";
      return;
    }
    const data = await response.json().catch(() => ({}));
    status.textContent = data.message || `登录失败（${response.status}）。`;
    status.className = "status bad";
  } catch (error) {
    status.textContent = "无法连接服务器，请检查网络后重试。";
    status.className = "status bad";
  } finally {
    form.querySelector("button").disabled = false;
  }
}

document.getElementById("login").addEventListener("submit", login);
document.body.dataset.ready = "true";
