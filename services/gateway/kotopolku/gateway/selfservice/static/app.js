// Client self-service (kotoutuja-asiakkaan oma-asiointi): own details, own integration plan and
// its approval, documents to sign, appointments, messages, feedback on services, who has
// processed the client's data and what was disclosed to the welfare area. Signs in with
// Keycloak (authorization code with PKCE, oidc-client-ts) and calls the gateway's /v1 API with
// the access token.
// Text from the API is always set with textContent, never parsed as HTML.

const LANGUAGES = ["fi", "sv", "en", "ar", "uk"];
const LANGUAGE_KEY = "kotopolku.language";
const TRAIL_PAGE = 20;
const APPOINTMENT_DAYS = 90;
const SECTIONS = [
  "details",
  "plans",
  "signing",
  "appointments",
  "messages",
  "feedback",
  "trail",
  "disclosures",
];

const state = {
  language: "fi",
  strings: {},
  manager: null,
  user: null,
  details: null,
  plans: [],
  trail: [],
  trailToken: "",
  signing: [],
  appointments: [],
  threads: [],
  openThread: null,
  disclosures: [],
  feedback: [],
};

const $ = (id) => document.getElementById(id);
const t = (key) => state.strings[key] ?? key;

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function announce(key) {
  $("status").textContent = key ? t(key) : "";
}

// --- languages ---------------------------------------------------------------------------------

function preferredLanguage() {
  const saved = localStorage.getItem(LANGUAGE_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  for (const tag of navigator.languages || []) {
    const base = tag.toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "fi";
}

async function setLanguage(language) {
  const response = await fetch(`static/i18n/${language}.json`);
  state.strings = await response.json();
  state.language = language;
  localStorage.setItem(LANGUAGE_KEY, language);
  document.documentElement.lang = language;
  document.documentElement.dir = state.strings.dir || "ltr";
  document.title = t("appTitle");
  for (const node of document.querySelectorAll("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n);
  }
  $("sections").setAttribute("aria-label", t("navLabel"));
  $("language").value = language;
  render();
}

async function fillLanguageChoices() {
  const select = $("language");
  for (const language of LANGUAGES) {
    const names = await (await fetch(`static/i18n/${language}.json`)).json();
    const option = element("option", names.languageName);
    option.value = language;
    option.lang = language;
    select.append(option);
  }
  select.addEventListener("change", () => setLanguage(select.value));
}

function formatDate(text) {
  if (!text) return "";
  const [year, month, day] = text.split("-").map(Number);
  return new Intl.DateTimeFormat(state.language, { dateStyle: "medium", timeZone: "UTC" }).format(
    new Date(Date.UTC(year, month - 1, day)),
  );
}

function formatMoment(text) {
  return new Intl.DateTimeFormat(state.language, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "Europe/Helsinki",
  }).format(new Date(text));
}

// --- signing in ----------------------------------------------------------------------------------

async function startAuthentication() {
  const config = await (await fetch("config.json")).json();
  const here = `${location.origin}${location.pathname}`;
  state.manager = new oidc.UserManager({
    authority: config.authority,
    client_id: config.client_id,
    redirect_uri: here,
    post_logout_redirect_uri: here,
    response_type: "code",
    scope: "openid",
    // Tokens live for this tab only; no hidden iframes (the CSP forbids framing).
    userStore: new oidc.WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: false,
    monitorSession: false,
  });
  const params = new URLSearchParams(location.search);
  if (params.has("code") && params.has("state")) {
    announce("signingIn");
    await state.manager.signinRedirectCallback();
    history.replaceState(null, "", location.pathname);
  }
  const user = await state.manager.getUser();
  state.user = user && !user.expired ? user : null;
}

async function api(path, options = {}) {
  const response = await fetch(`/v1${path}`, {
    ...options,
    headers: {
      Accept: "application/json",
      Authorization: `Bearer ${state.user.access_token}`,
      ...(options.body ? { "Content-Type": "application/json" } : {}),
      ...(options.headers || {}),
    },
  });
  if (response.status === 401) {
    await state.manager.removeUser();
    state.user = null;
    render();
    throw new Error("signed out");
  }
  return response;
}

// --- data ----------------------------------------------------------------------------------------

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

async function items(path) {
  // A part that cannot be read (a service away, or nothing of this kind) is shown empty.
  const response = await api(path);
  return response.ok ? (await response.json()).items : [];
}

async function loadAll() {
  announce("loading");
  try {
    const today = new Date();
    const until = new Date(today.getTime() + APPOINTMENT_DAYS * 86400000);
    const calendar = new URLSearchParams({ from: isoDay(today), to: isoDay(until) });
    const [details, plans, signing, appointments, threads, disclosures, feedback] =
      await Promise.all([
        api("/me"),
        items("/me/plans"),
        items("/me/signing-requests"),
        items(`/calendars/me?${calendar}`),
        items("/me/threads"),
        items("/me/disclosures"),
        items("/me/feedback"),
      ]);
    state.details = details.ok ? await details.json() : null;
    state.plans = plans;
    state.signing = signing;
    state.appointments = appointments;
    state.threads = threads;
    state.disclosures = disclosures;
    state.feedback = feedback;
    state.trail = [];
    state.trailToken = "";
    await loadTrail();
    announce("");
  } catch (error) {
    if (state.user) announce("error");
  }
  render();
}

async function loadTrail() {
  const query = new URLSearchParams({ page_size: String(TRAIL_PAGE), others_only: "true" });
  if (state.trailToken) query.set("page_token", state.trailToken);
  const response = await api(`/me/audit-trail?${query}`);
  if (!response.ok) return;
  const page = await response.json();
  state.trail.push(...page.items);
  state.trailToken = page.next_page_token || "";
}

async function approve(plan) {
  announce("loading");
  const response = await api(`/plans/${encodeURIComponent(plan.id)}/approve`, {
    method: "POST",
    headers: { "If-Match": `"${plan.version}"` },
  });
  if (!response.ok) {
    announce("error");
    return;
  }
  await loadAll();
  announce("approved");
}

async function openThread(thread) {
  const response = await api(`/me/threads/${encodeURIComponent(thread.id)}/messages?page_size=100`);
  if (!response.ok) {
    announce("error");
    return;
  }
  state.openThread = { thread, messages: (await response.json()).items };
  await api(`/me/threads/${encodeURIComponent(thread.id)}/read`, {
    method: "POST",
    body: JSON.stringify({}),
  });
  thread.unread_count = 0;
  renderThreads();
  $("reply-body")?.focus();
}

async function reply(thread, body) {
  const response = await api(`/me/threads/${encodeURIComponent(thread.id)}/messages`, {
    method: "POST",
    body: JSON.stringify({ body }),
    headers: { "Idempotency-Key": crypto.randomUUID() },
  });
  if (!response.ok) {
    announce("error");
    return;
  }
  await openThread(thread);
  announce("sent");
}

async function documentLink(request, link) {
  // The PDF needs the access token, so it is fetched and offered as a file of this page.
  const response = await api(`/me/signing-requests/${encodeURIComponent(request.id)}/document`, {
    headers: { Accept: "application/pdf" },
  });
  if (!response.ok) {
    announce("error");
    return;
  }
  link.href = URL.createObjectURL(await response.blob());
  link.download = `suunnitelma-${request.plan_id}.pdf`;
  link.click();
}

async function sign(request) {
  announce("loading");
  const response = await api(`/me/signing-requests/${encodeURIComponent(request.id)}/approve`, {
    method: "POST",
    headers: { "If-Match": `"${request.version}"` },
  });
  if (!response.ok) {
    announce("error");
    return;
  }
  await loadAll();
  announce("signed");
}

async function sendFeedback(invitation, form) {
  const scores = [];
  const texts = [];
  for (const question of invitation.survey.questions) {
    const name = `q-${invitation.id}-${question.id}`;
    if (question.kind === "score") {
      const chosen = form.querySelector(`input[name="${name}"]:checked`);
      if (chosen) scores.push({ question_id: question.id, score: Number(chosen.value) });
    } else {
      const text = form.elements[name].value.trim();
      if (text) texts.push({ question_id: question.id, text });
    }
  }
  const anonymous = form.elements.anonymous ? form.elements.anonymous.checked : true;
  announce("loading");
  const response = await api(`/me/feedback/${encodeURIComponent(invitation.id)}/answer`, {
    method: "POST",
    body: JSON.stringify({ scores, texts, anonymous, language: state.language }),
  });
  if (!response.ok) {
    announce(response.status === 422 ? "feedbackIncomplete" : "error");
    return;
  }
  state.feedback = state.feedback.filter((item) => item.id !== invitation.id);
  renderFeedback();
  announce("feedbackSent");
}

// --- rendering -----------------------------------------------------------------------------------

function fact(list, labelKey, value) {
  if (!value) return;
  list.append(element("dt", t(labelKey)), element("dd", value));
}

function renderDetails() {
  const list = $("details-list");
  list.replaceChildren();
  const details = state.details;
  if (!details) {
    list.append(element("p", t("noRecord")));
    return;
  }
  fact(list, "name", `${details.first_names} ${details.last_name}`);
  fact(list, "dateOfBirth", formatDate(details.date_of_birth));
  fact(list, "languages", (details.languages || []).join(", "));
  const contact = details.contact || {};
  fact(list, "email", contact.email);
  fact(list, "phone", contact.phone);
  const address = [contact.street_address, [contact.postal_code, contact.post_office].join(" ")]
    .map((part) => (part || "").trim())
    .filter(Boolean)
    .join(", ");
  fact(list, "address", address);
}

function renderPlan(plan) {
  const article = element("article", null, "card");
  article.append(element("h3", t(`kind.${plan.kind}`)));
  article.append(element("p", t(`status.${plan.status}`), `badge badge-${plan.status}`));
  const facts = element("dl", null, "facts");
  fact(facts, "period", `${formatDate(plan.start_date)} – ${formatDate(plan.end_date)}`);
  fact(facts, "reviewDue", formatDate(plan.review_due_date));
  article.append(facts);

  article.append(element("h4", t("goals")));
  const goals = element("ul");
  for (const goal of plan.goals) goals.append(element("li", goal.text));
  article.append(goals);

  if (plan.services.length) {
    article.append(element("h4", t("agreedServices")));
    const services = element("ul", null, "services");
    for (const service of plan.services) {
      const item = element("li");
      item.append(element("span", service.other_service || service.programme_service_id));
      const when = [formatDate(service.planned_start), formatDate(service.planned_end)]
        .filter(Boolean)
        .join(" – ");
      if (when) item.append(element("span", ` (${when}) `));
      item.append(element("span", t(`service.${service.status}`), "badge"));
      services.append(item);
    }
    article.append(services);
  }

  const parties = new Set(plan.approvals.map((approval) => approval.party));
  if (plan.approvals.length) {
    article.append(element("h4", t("approvals")));
    const approvals = element("ul");
    for (const approval of plan.approvals) {
      approvals.append(
        element("li", `${t(`party.${approval.party}`)}: ${formatMoment(approval.approved_at)}`),
      );
    }
    article.append(approvals);
  }
  if (plan.status === "awaiting-approval" && !parties.has("client")) {
    article.append(element("p", t("waitingForYou"), "notice"));
    const button = element("button", t("approvePlan"));
    button.type = "button";
    button.className = "approve";
    button.addEventListener("click", () => approve(plan));
    article.append(button);
  }
  return article;
}

function clientMaySign(request) {
  return (
    request.status === "pending" &&
    request.signers.some((signer) => signer.party === "client" && signer.status === "pending")
  );
}

function renderSigning() {
  const list = $("signing-list");
  list.replaceChildren();
  const open = state.signing.filter((request) => request.status === "pending");
  if (!open.length) {
    list.append(element("p", t("noSigning")));
    return;
  }
  for (const request of open) {
    const card = element("article", null, "card signing");
    card.append(element("h3", t("kind.individual")));
    card.append(element("p", t(`signingState.${request.status}`), "badge"));
    const facts = element("dl", null, "facts");
    fact(facts, "deadline", formatDate(request.deadline));
    card.append(facts);
    const link = element("a", t("readDocument"), "document");
    link.href = "#signing";
    link.addEventListener("click", (event) => {
      if (!link.download) {
        event.preventDefault();
        documentLink(request, link);
      }
    });
    const paragraph = element("p");
    paragraph.append(link);
    card.append(paragraph);
    if (clientMaySign(request)) {
      const button = element("button", t("signDocument"), "sign");
      button.type = "button";
      button.addEventListener("click", () => sign(request));
      card.append(button);
    }
    list.append(card);
  }
}

function renderAppointments() {
  const list = $("appointments-list");
  list.replaceChildren();
  if (!state.appointments.length) {
    list.append(element("li", t("noAppointments")));
    return;
  }
  for (const appointment of state.appointments) {
    const item = element("li", null, "card");
    const when = element("time", formatMoment(appointment.starts_at));
    when.dateTime = appointment.starts_at;
    item.append(element("h3", appointment.title), when);
    if (appointment.location) {
      item.append(element("p", `${t("where")}: ${appointment.location}`));
    }
    list.append(item);
  }
}

const AUTHOR_KEYS = { client: "you", staff: "staff", stakeholder: "stakeholder" };

function authorOf(message) {
  return t(AUTHOR_KEYS[message.author_kind] || "staff");
}

function renderThreads() {
  const list = $("threads-list");
  list.replaceChildren();
  if (!state.threads.length) {
    list.append(element("p", t("noThreads")));
    return;
  }
  for (const thread of state.threads) {
    const card = element("article", null, "card thread");
    const button = element("button", thread.subject, "secondary thread-open");
    button.type = "button";
    button.setAttribute("aria-expanded", String(state.openThread?.thread.id === thread.id));
    button.setAttribute("aria-label", `${t("openThread")}: ${thread.subject}`);
    button.addEventListener("click", () => openThread(thread));
    card.append(button);
    if (thread.unread_count) {
      card.append(element("span", `${thread.unread_count} ${t("unread")}`, "badge unread"));
    }
    if (state.openThread?.thread.id === thread.id) card.append(renderConversation(thread));
    list.append(card);
  }
}

function renderConversation(thread) {
  const box = element("div", null, "conversation");
  const messages = element("ol", null, "messages");
  for (const message of state.openThread.messages) {
    const item = element("li", null, message.author_kind === "client" ? "mine" : "theirs");
    const when = element("time", formatMoment(message.created_at));
    when.dateTime = message.created_at;
    item.append(element("span", authorOf(message), "author"), when);
    // dir=auto: a message written in another script reads in its own direction.
    const body = element("p", message.body);
    body.dir = "auto";
    item.append(body);
    messages.append(item);
  }
  box.append(messages);
  const form = element("form", null, "reply");
  const label = element("label", t("replyLabel"));
  label.htmlFor = "reply-body";
  const input = element("textarea");
  input.id = "reply-body";
  input.name = "body";
  input.rows = 3;
  input.required = true;
  input.maxLength = 10000;
  input.dir = "auto";
  const send = element("button", t("send"));
  send.type = "submit";
  form.append(label, input, send);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) reply(thread, input.value.trim());
  });
  box.append(form);
  return box;
}

function renderDisclosures() {
  const list = $("disclosures-list");
  list.replaceChildren();
  if (!state.disclosures.length) {
    list.append(element("li", t("noDisclosures")));
    return;
  }
  for (const disclosure of state.disclosures) {
    const item = element("li", null, "card");
    const when = element("time", formatMoment(disclosure.disclosed_at));
    when.dateTime = disclosure.disclosed_at;
    item.append(when, element("h3", t(`category.${disclosure.category}`)));
    const facts = element("dl", null, "facts");
    fact(facts, "disclosedTo", disclosure.welfare_area);
    fact(facts, "disclosedFields", disclosure.fields.join(", "));
    const purpose = `purpose.${disclosure.purpose}`;
    fact(facts, "trail.why", purpose in state.strings ? t(purpose) : disclosure.purpose);
    item.append(facts);
    list.append(item);
  }
}

function renderPlans() {
  const list = $("plans-list");
  list.replaceChildren();
  if (!state.plans.length) {
    list.append(element("p", t("noPlans")));
    return;
  }
  for (const plan of state.plans) list.append(renderPlan(plan));
}

function describe(event) {
  const kind = event.resource.split("/")[0];
  const verb = event.action.split(".").pop();
  const verbKey = `verb.${verb}` in state.strings ? `verb.${verb}` : "verb.other";
  const resourceKey = `resource.${kind}` in state.strings ? `resource.${kind}` : "resource.other";
  return `${t(verbKey)} ${t(resourceKey)}`;
}

function roleOf(event) {
  const role = event.actor_roles.find((name) => `role.${name}` in state.strings);
  return t(role ? `role.${role}` : "role.other");
}

function renderTrail() {
  const list = $("trail-list");
  list.replaceChildren();
  for (const event of state.trail) {
    const item = element("li");
    const when = element("time", formatMoment(event.occurred_at));
    when.dateTime = event.occurred_at;
    item.append(when);
    item.append(element("span", `${roleOf(event)} ${describe(event)}`, "what"));
    const purpose = `purpose.${event.purpose}`;
    const purposeKey = purpose in state.strings ? purpose : "purpose.other";
    item.append(element("span", `${t("trail.why")}: ${t(purposeKey)}`, "why"));
    list.append(item);
  }
  $("trail-more").hidden = !state.trailToken;
}

function localized(texts) {
  return texts[state.language] || texts.fi || Object.values(texts)[0] || "";
}

function scoreQuestion(invitation, question) {
  const fieldset = element("fieldset", null, "score");
  fieldset.append(element("legend", localized(question.text)));
  fieldset.append(element("p", t("feedbackScale"), "hint"));
  const choices = element("div", null, "choices");
  for (let score = 1; score <= 5; score += 1) {
    const id = `q-${invitation.id}-${question.id}-${score}`;
    const input = element("input");
    input.type = "radio";
    input.name = `q-${invitation.id}-${question.id}`;
    input.id = id;
    input.value = String(score);
    input.required = question.required;
    const label = element("label", String(score));
    label.htmlFor = id;
    choices.append(input, label);
  }
  fieldset.append(choices);
  return fieldset;
}

function textQuestion(invitation, question) {
  const wrapper = element("div", null, "text-question");
  const id = `q-${invitation.id}-${question.id}`;
  const label = element("label", localized(question.text));
  label.htmlFor = id;
  const area = element("textarea");
  area.id = id;
  area.name = id;
  area.rows = 3;
  area.maxLength = 2000;
  area.required = question.required;
  wrapper.append(label, area);
  return wrapper;
}

function renderInvitation(invitation) {
  const article = element("article", null, "card feedback-card");
  const form = element("form");
  form.noValidate = false;
  form.append(element("h3", localized(invitation.survey.title)));
  form.append(element("p", `${t("feedbackDue")} ${formatDate(invitation.expires_on)}`, "hint"));
  for (const question of invitation.survey.questions) {
    form.append(
      question.kind === "score" ? scoreQuestion(invitation, question) : textQuestion(invitation, question),
    );
  }
  if (invitation.survey.anonymity === "always") {
    form.append(element("p", t("feedbackAlwaysAnonymous"), "notice-plain"));
  } else {
    const wrapper = element("div", null, "check");
    const box = element("input");
    box.type = "checkbox";
    box.name = "anonymous";
    box.id = `anonymous-${invitation.id}`;
    box.checked = true;
    const label = element("label", t("feedbackAnonymous"));
    label.htmlFor = box.id;
    wrapper.append(box, label);
    form.append(wrapper);
  }
  const button = element("button", t("feedbackSend"));
  button.type = "submit";
  button.className = "send-feedback";
  form.append(button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendFeedback(invitation, form);
  });
  article.append(form);
  return article;
}

function renderFeedback() {
  const list = $("feedback-list");
  list.replaceChildren();
  if (!state.feedback.length) {
    list.append(element("p", t("noFeedback")));
    return;
  }
  for (const invitation of state.feedback) list.append(renderInvitation(invitation));
}

function render() {
  const signedIn = Boolean(state.user);
  $("welcome").hidden = signedIn;
  $("sign-out").hidden = !signedIn;
  $("sections").hidden = !signedIn;
  for (const id of SECTIONS) $(id).hidden = !signedIn;
  if (!signedIn) return;
  renderDetails();
  renderPlans();
  renderSigning();
  renderAppointments();
  renderThreads();
  renderTrail();
  renderDisclosures();
  renderFeedback();
}

// --- start ---------------------------------------------------------------------------------------

async function main() {
  await fillLanguageChoices();
  await setLanguage(preferredLanguage());
  $("sign-in").addEventListener("click", () =>
    state.manager.signinRedirect({ ui_locales: state.language }),
  );
  $("sign-out").addEventListener("click", () => state.manager.signoutRedirect());
  $("trail-more").addEventListener("click", async () => {
    await loadTrail();
    renderTrail();
  });
  try {
    await startAuthentication();
  } catch (error) {
    announce("error");
  }
  render();
  if (state.user) await loadAll();
  document.body.dataset.ready = "true";
}

window.addEventListener("DOMContentLoaded", main);
