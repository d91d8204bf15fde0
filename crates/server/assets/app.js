// Sluice web UI enhancements. Every page works without this file (forms post and the
// server re-renders); with it, sync status updates live, lists filter as you type,
// values reveal in place, and the sync wizard loads Railway's projects without reloading.
(function () {
  'use strict';

  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  function getJSON(url) {
    return fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { throw new Error(body.message || ('Request failed (' + r.status + ')')); }
        return body;
      });
    });
  }

  function debounce(fn, ms) {
    var t;
    return function () {
      var args = arguments, self = this;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  // ---- filtering tables (sync list, secrets) ----
  function setupFilter(form) {
    var table = $(form.getAttribute('data-filter-form') || '[data-filter-table]') || $('[data-filter-table]');
    if (!table) { return null; }
    var input = $('[data-filter-input]', form);
    var status = $('[data-filter-status]', form);
    var count = $('[data-filter-count]', form);
    var empty = $('[data-filter-empty]');
    var submit = $('[data-filter-submit]', form);
    if (submit) { submit.hidden = true; }
    function apply() {
      var q = input ? input.value.trim().toLowerCase() : '';
      var st = status ? status.value : '';
      var rows = $$('tbody tr[data-search]', table);
      var shown = 0;
      rows.forEach(function (tr) {
        var ok = (!q || (tr.getAttribute('data-search') || '').indexOf(q) !== -1) &&
          (!st || tr.getAttribute('data-status') === st);
        tr.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (count) { count.textContent = shown + ' of ' + rows.length; }
      if (status) {
        // Each status's count follows the rows as live updates change them.
        $$('option[data-label]', status).forEach(function (o) {
          var n = o.value ? rows.filter(function (tr) { return tr.getAttribute('data-status') === o.value; }).length : rows.length;
          o.textContent = o.getAttribute('data-label') + ' (' + n + ')';
        });
      }
      if (empty) { empty.hidden = shown !== 0; }
      if (window.history && window.history.replaceState) {
        var url = new URL(window.location.href);
        if (q) { url.searchParams.set('q', input.value.trim()); } else { url.searchParams.delete('q'); }
        if (status) { if (st) { url.searchParams.set('status', st); } else { url.searchParams.delete('status'); } }
        window.history.replaceState(null, '', url.toString());
      }
    }
    if (input) { input.addEventListener('input', debounce(apply, 80)); }
    if (status) { status.addEventListener('change', apply); }
    form.addEventListener('submit', function (e) { e.preventDefault(); apply(); });
    return apply;
  }
  // ---- tags: a picked tag filter reloads the page (the server filters); chips take their color ----
  $$('[data-submit-on-change]').forEach(function (el) {
    el.addEventListener('change', function () { if (el.form) { el.form.submit(); } });
  });
  $$('[data-tag-color]').forEach(function (el) { el.style.setProperty('--tag-color', el.getAttribute('data-tag-color')); });

  var refilter = [];
  $$('[data-filter-form]').forEach(function (f) { var a = setupFilter(f); if (a) { refilter.push(a); } });

  // ---- live sync status ----
  var live = $('[data-live]');
  var announcer = $('[data-live-announcer]');
  if (live && window.EventSource) {
    // The ids shown, so the stream first reports what changed since the page was rendered.
    var shown = {};
    $$('[data-sync-id]').forEach(function (el) { shown[el.getAttribute('data-sync-id')] = true; });
    var liveUrl = live.getAttribute('data-live');
    var ids = Object.keys(shown).join(',');
    if (ids) { liveUrl += (liveUrl.indexOf('?') < 0 ? '?' : '&') + 'ids=' + encodeURIComponent(ids); }
    var source = new EventSource(liveUrl);
    source.addEventListener('sync', function (e) {
      var data;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      $$('tr[data-sync-id="' + data.id + '"]').forEach(function (tr) {
        if (data.gone) { tr.parentNode.removeChild(tr); return; }
        var cell = $('[data-status-cell]', tr);
        if (cell) {
          var before = cell.textContent.trim();
          cell.innerHTML = data.html;
          var after = $('[data-badge]', cell);
          var name = $('.row-link', tr);
          // Screen readers hear a row's new status (the list's polite live region).
          if (announcer && after && name && cell.textContent.trim() !== before) {
            announcer.textContent = name.textContent.trim() + ': ' + after.textContent.trim();
          }
        }
        tr.setAttribute('data-status', data.group);
        tr.classList.toggle('row-failed', data.kind === 'failed');
      });
      var panels = $$('[data-sync-panel][data-sync-id="' + data.id + '"]');
      if (panels.length && data.gone) {
        panels.forEach(function (panel, i) {
          panel.innerHTML = '';
          if (i !== 0) { return; }
          var note = document.createElement('div');
          note.className = 'flash flash-info';
          note.setAttribute('role', 'status');
          note.textContent = 'This sync has been deleted.';
          panel.appendChild(note);
        });
        $$('[data-sync-live-hide]').forEach(function (el) { el.hidden = true; });
      } else if (panels.length) {
        getJSON(panels[0].getAttribute('data-panel-url')).then(function (body) {
          panels.forEach(function (panel) {
            var html = body[panel.getAttribute('data-sync-panel')];
            if (typeof html === 'string') { panel.innerHTML = html; }
          });
        }).catch(function () { /* the next change tries again */ });
      }
      refilter.forEach(function (f) { f(); });
    });
    source.addEventListener('reload', function () { window.location.reload(); });
    window.addEventListener('pagehide', function () { source.close(); });
  }

  // ---- "New project" shows its form (CSS :target) and puts the cursor in it ----
  var focusTarget = function () {
    var section = window.location.hash === '#new-project' && $('#new-project');
    var field = section && $('input:not([type=hidden])', section);
    if (field) { field.focus(); }
  };
  window.addEventListener('hashchange', focusTarget);
  focusTarget();

  // ---- wizard: the folder picker follows the environment; the key schema preview
  // follows what is typed (the server drew it for the schema as it was) ----
  var envSelect = $('#w-env');
  var pathInput = $('[data-folder-picker]');
  if (envSelect && pathInput) {
    envSelect.addEventListener('change', function () { pathInput.setAttribute('list', 'w-folders-' + envSelect.value); });
  }
  var preview = $('[data-schema-preview]');
  var schemaInput = $('#w-schema');
  if (preview && schemaInput && $('[data-schema-rows]', preview)) {
    var sources = JSON.parse(preview.getAttribute('data-source-keys') || '[]');
    var existing = JSON.parse(preview.getAttribute('data-destination-keys') || '[]');
    var env = preview.getAttribute('data-environment') || '';
    var code = function (text) { var c = document.createElement('code'); c.textContent = text; return c; };
    var redraw = function () {
      var schema = schemaInput.value.trim();
      var parts = schema === '' ? ['', ''] : schema.split('{{secretKey}}');
      if (parts.length !== 2) { return; }  // not a schema (yet): keep the last preview
      var prefix = parts[0].split('{{environment}}').join(env);
      var suffix = parts[1].split('{{environment}}').join(env);
      var rows = $('[data-schema-rows]', preview);
      rows.textContent = '';
      sources.slice(0, 8).forEach(function (key) {
        var li = document.createElement('li');
        var arrow = document.createElement('span');
        arrow.setAttribute('aria-hidden', 'true');
        arrow.textContent = ' → ';
        var said = document.createElement('span');
        said.className = 'sr-only';
        said.textContent = 'becomes';
        li.append(code(key), arrow, said, code(prefix + key + suffix));
        rows.appendChild(li);
      });
      var alone = existing.filter(function (k) {
        return !(k.length > prefix.length + suffix.length && k.indexOf(prefix) === 0 && k.slice(k.length - suffix.length) === suffix);
      });
      var note = $('[data-schema-unmanaged]', preview);
      note.textContent = '';
      if (alone.length === 0) {
        note.textContent = 'Every other variable at Railway matches this schema: Sluice manages them all.';
      } else {
        note.append('Left alone at Railway (the schema does not match them): ');
        alone.forEach(function (k, i) { if (i > 0) { note.append(', '); } note.append(code(k)); });
        note.append('.');
      }
    };
    schemaInput.addEventListener('input', redraw);
    schemaInput.addEventListener('change', redraw);
  }

  // ---- row action menus: one open at a time; Escape or a click elsewhere closes it ----
  var menus = $$('details[data-row-menu]');
  menus.forEach(function (menu) {
    menu.addEventListener('toggle', function () {
      if (!menu.open) { return; }
      menus.forEach(function (other) { if (other !== menu) { other.open = false; } });
      var first = $('.menu-item', menu);
      if (first) { first.focus(); }
    });
    menu.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && menu.open) { menu.open = false; $('summary', menu).focus(); }
    });
  });
  document.addEventListener('click', function (e) {
    menus.forEach(function (menu) { if (menu.open && !menu.contains(e.target)) { menu.open = false; } });
  });

  // ---- confirmations ----
  // Every destructive form asks in the same dialog, in the page's style: the question,
  // Cancel (focused, so Enter does not destroy anything), and the form's own red button.
  // Without the script the form posts directly.
  var confirmDialog = null;
  var askToConfirm = function (form) {
    if (!confirmDialog) {
      confirmDialog = document.createElement('dialog');
      confirmDialog.className = 'confirm-dialog';
      confirmDialog.setAttribute('aria-labelledby', 'confirm-dialog-text');
      confirmDialog.innerHTML = '<form method="dialog"><p id="confirm-dialog-text"></p>' +
        '<div class="confirm-actions"><button value="cancel" class="btn btn-secondary" data-confirm-cancel>Cancel</button>' +
        '<button value="ok" class="btn btn-danger" data-confirm-ok></button></div></form>';
      document.body.appendChild(confirmDialog);
    }
    $('#confirm-dialog-text', confirmDialog).textContent = form.getAttribute('data-confirm');
    var submit = $('button[type=submit], button:not([type])', form);
    $('[data-confirm-ok]', confirmDialog).textContent = (submit && submit.textContent.trim()) || 'Confirm';
    confirmDialog.returnValue = '';
    confirmDialog.onclose = function () {
      if (confirmDialog.returnValue === 'ok') { form.confirmed = true; form.submit(); }
    };
    confirmDialog.showModal();
    $('[data-confirm-cancel]', confirmDialog).focus();
  };
  $$('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (form.confirmed) { return; }
      e.preventDefault();
      askToConfirm(form);
    });
  });
  $$('[data-confirm-name]').forEach(function (input) {
    var form = input.form;
    var button = form && $('[data-confirm-submit]', form);
    if (!button) { return; }
    var want = input.getAttribute('data-confirm-name');
    var check = function () { button.disabled = input.value.trim() !== want; };
    input.addEventListener('input', check);
    check();
  });

  // ---- revealing secret values ----
  document.addEventListener('click', function (e) {
    var link = e.target.closest && e.target.closest('[data-reveal]');
    if (!link) { return; }
    e.preventDefault();
    var box = link.closest('[data-value]');
    var masked = box && $('.masked', box);
    var shown = box && $('.revealed', box);
    var expanded = box && $('[data-expanded]', box);
    if (!box || !masked || !shown) { return; }
    if (!shown.hidden) {
      shown.textContent = '';
      shown.hidden = true;
      if (expanded) { expanded.textContent = ''; expanded.hidden = true; }
      masked.hidden = false;
      link.textContent = 'Reveal';
      link.setAttribute('aria-expanded', 'false');
      return;
    }
    link.setAttribute('aria-busy', 'true');
    getJSON(link.getAttribute('data-reveal')).then(function (body) {
      shown.textContent = body.value === '' ? '(empty)' : body.value;
      shown.hidden = false;
      shown.classList.toggle('ref', body.value.indexOf('${') !== -1);
      if (expanded && typeof body.expandedValue === 'string') {
        // A value with references: what reads and syncs get, beside what was written.
        expanded.textContent = 'reads and syncs as ';
        var v = document.createElement('span');
        v.className = 'revealed';
        v.textContent = body.expandedValue === '' ? '(empty)' : body.expandedValue;
        expanded.appendChild(v);
        expanded.hidden = false;
      }
      masked.hidden = true;
      link.textContent = 'Hide';
      link.setAttribute('aria-expanded', 'true');
    }).catch(function (err) {
      window.alert(err.message);
    }).then(function () { link.removeAttribute('aria-busy'); });
  });
  document.addEventListener('click', function (e) {
    var btn = e.target.closest && e.target.closest('[data-fill-value]');
    if (!btn) { return; }
    e.preventDefault();
    var target = document.getElementById(btn.getAttribute('aria-controls'));
    getJSON(btn.getAttribute('data-fill-value')).then(function (body) {
      if (target) { target.value = body.value; target.focus(); }
    }).catch(function (err) { window.alert(err.message); });
  });

  // ---- sync wizard: Railway pickers ----
  var picker = $('[data-railway-picker]');
  if (picker) {
    var connection = $('[name="connection_id"]', picker);
    var project = $('[name="rw_project"]', picker);
    var environment = $('[name="rw_environment"]', picker);
    var service = $('[name="rw_service"]', picker);
    var note = $('[data-shared-note]', picker);
    var statusLine = $('[data-picker-status]', picker);
    var loadButton = $('[data-picker-load]', picker);
    var projects = [];
    if (loadButton) { loadButton.hidden = true; }

    var option = function (value, label, selected) {
      var o = document.createElement('option');
      o.value = value;
      o.textContent = label;
      if (selected) { o.selected = true; }
      return o;
    };
    var fill = function (select, items, placeholder, keep) {
      if (!select) { return; }
      var current = keep ? select.value : '';
      select.innerHTML = '';
      select.appendChild(option('', placeholder, !current));
      items.forEach(function (it) { select.appendChild(option(it.id, it.name, it.id === current)); });
      select.disabled = false;
    };
    var say = function (text, isError) {
      if (!statusLine) { return; }
      statusLine.textContent = text;
      statusLine.className = isError ? 'error-text' : 'help';
    };
    var updateNote = function () { if (note && service) { note.hidden = service.value !== ''; } };
    var chosenProject = function () { return projects.filter(function (x) { return x.id === project.value; })[0]; };
    // Only the services deployed to the chosen environment can be a sync's target there.
    var environmentChanged = function (keep) {
      var p = chosenProject();
      var e = p && environment ? p.environments.filter(function (x) { return x.id === environment.value; })[0] : null;
      var deployed = p ? p.services.filter(function (s) { return !e || (e.serviceIds || []).indexOf(s.id) >= 0; }) : [];
      fill(service, deployed, 'None: shared variables', keep);
      if (!p) { service.disabled = true; }
      updateNote();
    };
    var projectChanged = function (keep) {
      var p = chosenProject();
      fill(environment, p ? p.environments : [], p ? 'Select an environment' : 'Select a project first', keep);
      if (!p) { environment.disabled = true; }
      environmentChanged(keep);
    };
    var ready = function () { picker.setAttribute('data-ready', ''); };
    var load = function (keep) {
      picker.removeAttribute('data-ready');
      if (!connection || !connection.value) {
        projects = [];
        fill(project, [], 'Select a connection first', false);
        project.disabled = true;
        projectChanged(false);
        return;
      }
      say('Loading Railway projects…', false);
      project.disabled = true;
      getJSON(picker.getAttribute('data-railway-picker') + '?connection=' + encodeURIComponent(connection.value))
        .then(function (body) {
          projects = body.projects || [];
          fill(project, projects, projects.length ? 'Select a project' : 'No projects this token can write to', keep);
          projectChanged(keep);
          say(projects.length + (projects.length === 1 ? ' Railway project' : ' Railway projects') + ' available', false);
          ready();
        })
        .catch(function (err) {
          projects = [];
          fill(project, [], 'Could not load projects', false);
          project.disabled = true;
          projectChanged(false);
          say(err.message, true);
          ready();
        });
    };
    if (connection) { connection.addEventListener('change', function () { load(false); }); }
    if (project) { project.addEventListener('change', function () { projectChanged(false); }); }
    if (environment) { environment.addEventListener('change', function () { environmentChanged(true); }); }
    if (service) { service.addEventListener('change', updateNote); }
    if (connection && connection.value && project && !project.disabled) {
      // The server already filled the pickers: only fetch the data for later changes.
      getJSON(picker.getAttribute('data-railway-picker') + '?connection=' + encodeURIComponent(connection.value))
        .then(function (body) { projects = body.projects || []; ready(); })
        .catch(function () { ready(); });
    } else if (connection && connection.value) {
      load(true);
    } else {
      ready();
    }
    updateNote();
  }

  // ---- sync name: checked as you type ----
  $$('[data-name-check]').forEach(function (input) {
    var out = document.getElementById(input.getAttribute('data-name-status'));
    var check = debounce(function () {
      var v = input.value.trim();
      if (!v) { if (out) { out.textContent = ''; } input.removeAttribute('aria-invalid'); return; }
      getJSON(input.getAttribute('data-name-check') + '?name=' + encodeURIComponent(v) +
        (input.getAttribute('data-exclude') ? '&exclude=' + encodeURIComponent(input.getAttribute('data-exclude')) : ''))
        .then(function (body) {
          if (input.value.trim() !== v || !out) { return; }
          out.textContent = body.message;
          out.className = body.ok ? 'ok-text' : 'error-text';
          if (body.ok) { input.removeAttribute('aria-invalid'); } else { input.setAttribute('aria-invalid', 'true'); }
        }).catch(function () { /* checked again on submit */ });
    }, 200);
    input.addEventListener('input', check);
  });

  // ---- sync wizard: the browser's Back returns to a step as it was left ----
  // Each step is reached by GET with the draft in its address. On leaving a step, its
  // history entry takes the address of the values entered there, so Back (and Forward
  // past it) shows them again. Without this script, Back shows the step as first reached.
  var wizardForm = $('form[data-wizard-step]');
  if (wizardForm && window.history && window.history.replaceState && window.URLSearchParams && window.FormData) {
    wizardForm.addEventListener('submit', function () {
      var q = new URLSearchParams();
      q.set('step', wizardForm.getAttribute('data-wizard-step'));
      new FormData(wizardForm).forEach(function (v, k) {
        if (['csrf', 'go', 'step', 'options_posted'].indexOf(k) < 0 && (v !== '' || k === 'secret_path')) { q.set(k, v); }
      });
      // A checkbox left off is absent from the form; the address says so explicitly.
      $$('input[type="checkbox"]', wizardForm).forEach(function (c) { q.set(c.name, c.checked ? 'true' : 'false'); });
      window.history.replaceState(window.history.state, '', window.location.pathname + '?' + q.toString());
    });
  }

  // ---- focus: the first invalid field of a refused form; else, on a wizard step, the
  // step's first field (the heading when it has none), so keyboard and screen-reader users
  // start where the step does ----
  (function () {
    var usable = function (el) { return !el.disabled && el.getClientRects().length > 0; };
    var invalid = $$('main [aria-invalid="true"]').filter(usable)[0];
    if (invalid) { invalid.focus(); return; }
    var wizard = $('form[data-wizard-step]');
    if (!wizard) { return; }
    var fields = $$('.card-body input:not([type="hidden"]), .card-body select, .card-body textarea', wizard).filter(usable);
    var first = fields[0];
    if (first && first.type === 'radio') {
      first = $('input[type="radio"][name="' + first.name + '"]:checked', wizard) || first;
    }
    (first || $('#step-title')).focus();
  })();

  // ---- sync options: warn when the first sync would delete Railway's own variables ----
  var warning = $('[data-overwrite-warning]');
  if (warning) {
    var form = warning.closest('form');
    var update = function () {
      var chosen = $('input[name="initial_behavior"]:checked', form);
      var keep = $('input[name="disable_deletion"]', form);
      warning.hidden = !(chosen && chosen.value === 'overwrite-destination' && !(keep && keep.checked));
    };
    form.addEventListener('change', update);
    update();
  }
})();
