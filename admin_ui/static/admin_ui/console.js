/* baas console: the little interaction the server-rendered pages need. No inline scripts (CSP). */
(function () {
  "use strict";

  function $all(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }
  function uniqueKey() { return "n" + Date.now().toString(36) + Math.floor(Math.random() * 1e6).toString(36); }
  function fromTemplate(template, key) {
    var html = template.innerHTML.split("__KEY__").join(key);
    var holder = document.createElement(template.dataset.rateRuleTemplate !== undefined ? "tbody" : "div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  // ---- sidebar search --------------------------------------------------------------------------
  $all(document, "[data-sidebar-search]").forEach(function (input) {
    input.addEventListener("input", function () {
      var text = input.value.trim().toLowerCase();
      $all(document, "[data-sidebar-list] [data-name]").forEach(function (item) {
        item.classList.toggle("d-none", text !== "" && item.dataset.name.indexOf(text) === -1);
      });
    });
  });

  // ---- fields editor ---------------------------------------------------------------------------
  var fieldList = document.querySelector("[data-field-list]");
  if (fieldList) {
    $all(document, "[data-add-field]").forEach(function (button) {
      button.addEventListener("click", function () {
        var template = document.querySelector('[data-field-template="' + button.dataset.addField + '"]');
        var row = fromTemplate(template, uniqueKey());
        fieldList.appendChild(row);
        var name = row.querySelector("[data-field-name]");
        if (name) { name.focus(); }
      });
    });
    fieldList.addEventListener("click", function (event) {
      var target = event.target.closest("button");
      if (!target) { return; }
      var row = target.closest("[data-field-row]");
      if (target.hasAttribute("data-remove-field")) {
        var name = (row.querySelector("[data-field-name]") || {}).value || "this field";
        if (window.confirm("Remove " + name + "? Its data is deleted when you save.")) { row.remove(); }
      } else if (target.dataset.move === "up" && row.previousElementSibling) {
        fieldList.insertBefore(row, row.previousElementSibling);
      } else if (target.dataset.move === "down" && row.nextElementSibling) {
        fieldList.insertBefore(row.nextElementSibling, row);
      } else if (target.hasAttribute("data-toggle-options")) {
        row.querySelector("[data-options]").classList.toggle("d-none");
      }
    });
  }

  // ---- API rules -------------------------------------------------------------------------------
  $all(document, "[data-rule-mode]").forEach(function (select) {
    select.addEventListener("change", function () {
      var expr = select.closest("[data-rule]").querySelector("[data-rule-expr]");
      expr.classList.toggle("d-none", select.value !== "custom");
      if (select.value === "custom") { expr.focus(); }
    });
  });

  // ---- OAuth2 providers and rate-limit rules: add/remove rows ------------------------------------
  function rowEditor(addSelector, listSelector, templateSelector, removeSelector, rowSelector) {
    var add = document.querySelector(addSelector);
    var list = document.querySelector(listSelector);
    if (!add || !list) { return; }
    add.addEventListener("click", function () {
      list.appendChild(fromTemplate(document.querySelector(templateSelector), uniqueKey()));
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest(removeSelector);
      if (button) { button.closest(rowSelector).remove(); }
    });
  }
  rowEditor("[data-add-provider]", "[data-provider-list]", "[data-provider-template]", "[data-remove-provider]", "[data-provider-row]");
  rowEditor("[data-add-rate-rule]", "[data-rate-rules]", "[data-rate-rule-template]", "[data-remove-rate-rule]", "[data-rate-rule]");
  // WTForms FieldList needs consecutive indexes: renumber the rate-limit rows before posting
  $all(document, "form").forEach(function (form) {
    var rules = form.querySelector("[data-rate-rules]");
    if (!rules) { return; }
    form.addEventListener("submit", function () {
      $all(rules, "[data-rate-rule]").forEach(function (row, index) {
        $all(row, "[name]").forEach(function (input) {
          input.name = input.name.replace(/^rules-[^-]+-/, "rules-" + index + "-");
        });
      });
    });
  });

  // ---- records table: bulk selection ------------------------------------------------------------
  $all(document, "[data-bulk-form]").forEach(function (form) {
    var all = form.querySelector("[data-check-all]");
    var button = form.querySelector("[data-bulk-delete]");
    function boxes() { return $all(form, 'input[name="ids"]'); }
    function update() {
      var count = boxes().filter(function (box) { return box.checked; }).length;
      if (button) {
        button.disabled = count === 0;
        button.innerHTML = '<i class="bi bi-trash"></i> Delete selected' + (count ? " (" + count + ")" : "");
      }
    }
    if (all) {
      all.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = all.checked; });
        update();
      });
    }
    form.addEventListener("change", update);
    update();
  });

  // ---- JSON editor: live validation ---------------------------------------------------------------
  $all(document, "[data-json-editor]").forEach(function (area) {
    var status = area.parentElement.querySelector("[data-json-status]");
    function check() {
      var text = area.value.trim();
      if (text === "") { area.classList.remove("is-invalid", "is-valid-json"); status.textContent = "Any JSON value. Leave empty for null."; return; }
      try {
        JSON.parse(text);
        area.classList.remove("is-invalid"); area.classList.add("is-valid-json"); status.textContent = "Valid JSON.";
      } catch (error) {
        area.classList.add("is-invalid"); area.classList.remove("is-valid-json"); status.textContent = "Invalid JSON: " + error.message;
      }
    }
    area.addEventListener("input", check);
  });

  // ---- date inputs: clear button -------------------------------------------------------------------
  $all(document, "[data-clear]").forEach(function (button) {
    button.addEventListener("click", function () { document.getElementById(button.dataset.clear).value = ""; });
  });

  // ---- file inputs: previews of the chosen files, removal toggles ---------------------------------
  $all(document, "[data-file-widget]").forEach(function (widget) {
    var input = widget.querySelector("[data-file-input]");
    var previews = widget.querySelector("[data-file-previews]");
    if (input && previews) {
      input.addEventListener("change", function () {
        previews.innerHTML = "";
        Array.prototype.forEach.call(input.files, function (file) {
          var item;
          if (file.type.indexOf("image/") === 0) {
            item = document.createElement("img");
            item.className = "console-file-preview";
            item.alt = file.name;
            item.src = URL.createObjectURL(file);
          } else {
            item = document.createElement("span");
            item.className = "badge text-bg-light border";
            item.textContent = file.name;
          }
          previews.appendChild(item);
        });
      });
    }
    widget.addEventListener("change", function (event) {
      if (event.target.name && /-remove$/.test(event.target.name)) {
        event.target.closest("[data-file]").classList.toggle("text-decoration-line-through", event.target.checked);
      }
    });
  });

  // ---- relation picker: search the related collection, add/remove chips -------------------------------
  $all(document, "[data-relation-picker]").forEach(function (picker) {
    var search = picker.querySelector("[data-relation-search]");
    var results = picker.querySelector("[data-relation-results]");
    var chips = picker.querySelector("[data-relation-chips]");
    var multiple = picker.dataset.multiple === "true";
    var timer = null;

    function addChip(id, label) {
      if (chips.querySelector('[data-id="' + CSS.escape(id) + '"]')) { return; }
      if (!multiple) { chips.innerHTML = ""; }
      var chip = document.createElement("span");
      chip.className = "badge text-bg-primary console-chip";
      chip.dataset.id = id;
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = picker.dataset.inputName; hidden.value = id;
      var text = document.createElement("span");
      text.textContent = label;
      var close = document.createElement("button");
      close.type = "button"; close.className = "btn-close btn-close-white btn-sm"; close.setAttribute("data-remove-chip", "");
      close.setAttribute("aria-label", "Remove " + id);
      chip.appendChild(hidden); chip.appendChild(text); chip.appendChild(close);
      chips.appendChild(chip);
    }

    function lookup() {
      var url = picker.dataset.lookupUrl + "?q=" + encodeURIComponent(search.value.trim());
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          results.innerHTML = "";
          (data.items || []).forEach(function (item) {
            var option = document.createElement("button");
            option.type = "button";
            option.className = "list-group-item list-group-item-action py-1 small";
            option.dataset.id = item.id;
            option.textContent = item.label + (item.label !== item.id ? "  ·  " + item.id : "");
            option.addEventListener("click", function () {
              addChip(item.id, item.label);
              results.innerHTML = "";
              search.value = "";
            });
            results.appendChild(option);
          });
          if (!(data.items || []).length) {
            var none = document.createElement("div");
            none.className = "list-group-item small text-secondary";
            none.textContent = data.error || "No matching records.";
            results.appendChild(none);
          }
        });
    }

    if (search) {
      search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookup, 200); });
      search.addEventListener("focus", function () { if (!results.children.length) { lookup(); } });
      search.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); } });
    }
    chips.addEventListener("click", function (event) {
      if (event.target.hasAttribute("data-remove-chip")) { event.target.closest(".console-chip").remove(); }
    });
  });
})();

/* After a failed save, open the tab and accordion section holding the first error. */
(function () {
  "use strict";
  var first = document.querySelector("[data-collection-form] .invalid-feedback.d-block, [data-collection-form] .is-invalid");
  if (!first || !window.bootstrap) { return; }
  var pane = first.closest(".tab-pane");
  if (pane) {
    var trigger = document.querySelector('[data-bs-target="#' + pane.id + '"]');
    if (trigger) { window.bootstrap.Tab.getOrCreateInstance(trigger).show(); }
  }
  var section = first.closest(".accordion-collapse");
  if (section) { window.bootstrap.Collapse.getOrCreateInstance(section, { toggle: false }).show(); }
  var row = first.closest("[data-field-row]");
  if (row) { row.querySelector("[data-options]").classList.remove("d-none"); }
})();
