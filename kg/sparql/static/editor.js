// The query editor of kg serve: YASGUI's YASQE (the editor) and YASR (the results), wired to
// this endpoint. Prefixes are predeclared (as the endpoint declares them); results come as a
// table where the graph's entities show their label and link to /id/ID; the saved questions run
// from their forms; an error is the endpoint's one line. Data reaches the page as text nodes
// (textContent, createTextNode), never as HTML.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("kg-editor-config").textContent);
  var PREFIXES = config.prefixes; // name -> namespace IRI
  var ENTITY = config.entityBase; // https://w3id.org/gba-kg/id/
  var ENTITY_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  var SAFE_IRI = /^[^\s<>"{}|^`\\]+$/;
  var ENDPOINT = new URL("/sparql", window.location.href).toString();

  // a query of our own (labels, completion) to this endpoint: its JSON answer, or null
  function ask(query) {
    return fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" },
      body: query,
    }).then(function (response) {
      return response.ok ? response.json() : null;
    });
  }
  var MAX_LABEL_QUERY = 48 * 1024; // bytes of IRIs per label query (the endpoint takes 64 KiB)
  var labels = new Map(); // entity IRI -> {zh: ..., en: ...}
  var Yasqe = window.Yasgui.Yasqe;
  var Yasr = window.Yasgui.Yasr;

  function lang() {
    return document.documentElement.getAttribute("data-lang") === "en" ? "en" : "zh";
  }

  // --- terms as text and as nodes --------------------------------------------------------------

  function entityId(iri) {
    if (iri.indexOf(ENTITY) !== 0) return null;
    var rest = iri.slice(ENTITY.length);
    return ENTITY_ID.test(rest) ? rest : null;
  }

  function shorten(iri) {
    var best = null;
    Object.keys(PREFIXES).forEach(function (name) {
      var base = PREFIXES[name];
      if (iri.indexOf(base) === 0 && iri.length > base.length) {
        if (best === null || base.length > PREFIXES[best].length) best = name;
      }
    });
    return best === null ? "<" + iri + ">" : best + ":" + iri.slice(PREFIXES[best].length);
  }

  function labelOf(iri) {
    var found = labels.get(iri);
    if (!found) return null;
    var mine = lang();
    return found[mine] || found[mine === "zh" ? "en" : "zh"] || null;
  }

  // what the table sorts and filters by: the label and the short name of an entity
  function termText(term) {
    if (!term) return "";
    if (term.type === "uri") {
      var label = labelOf(term.value);
      return (label ? label + " " : "") + shorten(term.value);
    }
    if (term.type === "bnode") return "_:" + term.value;
    if (term.type === "triple") {
      var t = term.value || {};
      return "<<( " + [t.subject, t.predicate, t.object].map(termText).join(" ") + " )>>";
    }
    return String(term.value);
  }

  function small(className, text) {
    var node = document.createElement("span");
    node.className = className;
    node.textContent = text;
    return node;
  }

  function termNode(term) {
    if (term.type === "uri") {
      var link = document.createElement("a");
      var id = entityId(term.value);
      link.title = term.value;
      if (id !== null) {
        var label = labelOf(term.value);
        link.href = "/id/" + id;
        link.className = "iri kg-entity";
        link.textContent = label || "gbr:" + id;
        var wrap = document.createElement("span");
        wrap.appendChild(link);
        if (label) wrap.appendChild(small("kg-id", "gbr:" + id));
        return wrap;
      }
      link.className = "iri";
      link.textContent = shorten(term.value);
      // the graph's other nodes (evidence, selectors) have no page: no link for them
      if (/^https?:\/\//i.test(term.value) && term.value.indexOf(ENTITY) !== 0) {
        link.href = term.value;
        link.rel = "noopener noreferrer";
      }
      return link;
    }
    if (term.type === "triple") return small("kg-triple", termText(term));
    if (term.type === "bnode") return small("kg-bnode", "_:" + term.value);
    var literal = document.createElement("span");
    literal.className = "nonIri";
    literal.appendChild(document.createTextNode(String(term.value)));
    if (term["xml:lang"]) {
      literal.appendChild(small("kg-tag", "@" + term["xml:lang"]));
    } else if (term.datatype && term.datatype !== "http://www.w3.org/2001/XMLSchema#string") {
      literal.appendChild(small("kg-tag", "^^" + shorten(term.datatype)));
    }
    return literal;
  }

  // YASR's table, with each cell built from nodes: its own cells are HTML strings
  var BaseTable = Yasr.plugins.table;
  BaseTable.defaults.openIriInNewWindow = false;
  var CONTROLS_ZH = {
    "Simple view": "\u7b80\u6d01\u89c6\u56fe", // 简洁视图
    Ellipse: "\u7701\u7565\u957f\u6587\u672c", // 省略长文本
    "Page size: ": "\u6bcf\u9875\u884c\u6570 ", // 每页行数
  };
  class KgTable extends BaseTable {
    drawControls() {
      super.drawControls();
      if (lang() !== "zh" || !this.tableControls) return;
      Array.prototype.forEach.call(this.tableControls.querySelectorAll("span"), function (span) {
        if (CONTROLS_ZH[span.textContent]) span.textContent = CONTROLS_ZH[span.textContent];
      });
      if (this.tableFilterField) this.tableFilterField.placeholder = "\u7b5b\u9009\u7ed3\u679c"; // 筛选结果
    }
    getColumns() {
      return super.getColumns().map(function (column, index) {
        if (index === 0) return column; // the row number
        return Object.assign({}, column, {
          render: function (term, type) {
            if (term === "") return "";
            return type === "display" ? "" : termText(term);
          },
          createdCell: function (cell, term) {
            cell.textContent = "";
            if (term === "") return;
            var box = document.createElement("div");
            var inner = document.createElement("span");
            inner.appendChild(termNode(term));
            box.appendChild(inner);
            cell.appendChild(box);
          },
        });
      });
    }
  }
  Yasr.registerPlugin("table", KgTable);

  // --- the endpoint's answers ------------------------------------------------------------------

  // an error as one line: the endpoint's refusal is one line of text; anything else (an HTML
  // page from a proxy, an empty body) is named, never shown
  function oneLine(text, status) {
    var line = String(text || "")
      .split(/\r?\n/)
      .map(function (l) {
        return l.trim();
      })
      .filter(Boolean)[0];
    if (!line || line.charAt(0) === "<") {
      return status ? "HTTP " + status + ": the endpoint gave no reason" : "the endpoint could not be reached";
    }
    return line.length > 2000 ? line.slice(0, 2000) + "\u2026" : line;
  }

  function errorNode(error) {
    var node = document.createElement("p");
    node.className = "kg-error";
    node.setAttribute("role", "alert");
    node.textContent = error && error.text ? error.text : "the endpoint could not be reached";
    return node;
  }

  // the entity IRIs of an answer whose labels are not known yet
  function unlabelled(answer) {
    var seen = new Set();
    function visit(term) {
      if (!term) return;
      if (term.type === "uri" && entityId(term.value) !== null && !labels.has(term.value)) {
        seen.add(term.value);
      } else if (term.type === "triple" && term.value) {
        visit(term.value.subject);
        visit(term.value.predicate);
        visit(term.value.object);
      }
    }
    ((answer.results && answer.results.bindings) || []).forEach(function (row) {
      Object.keys(row).forEach(function (name) {
        visit(row[name]);
      });
    });
    return Array.from(seen).filter(function (iri) {
      return SAFE_IRI.test(iri);
    });
  }

  // one query for the labels of the IRIs (more only past the endpoint's size limit)
  function fetchLabels(iris) {
    var batches = [];
    var batch = [];
    var size = 0;
    iris.forEach(function (iri) {
      if (size + iri.length + 3 > MAX_LABEL_QUERY && batch.length) {
        batches.push(batch);
        batch = [];
        size = 0;
      }
      batch.push(iri);
      size += iri.length + 3;
    });
    if (batch.length) batches.push(batch);
    return Promise.all(
      batches.map(function (part) {
        var query =
          "SELECT ?s ?label WHERE { VALUES ?s { " +
          part.map(function (iri) { return "<" + iri + ">"; }).join(" ") +
          ' } ?s rdfs:label ?label FILTER(LANG(?label) IN ("zh", "en")) }';
        return ask(query)
          .then(function (answer) {
            part.forEach(function (iri) {
              if (!labels.has(iri)) labels.set(iri, {});
            });
            ((answer && answer.results && answer.results.bindings) || []).forEach(function (row) {
              var entry = labels.get(row.s.value);
              var tag = row.label["xml:lang"] === "en" ? "en" : "zh";
              if (entry && !entry[tag]) entry[tag] = row.label.value;
            });
          });
      })
    ).catch(function () {
      // no labels: the table shows the entities by their ids
    });
  }

  // show an answer (the object YASQE makes of a fetch response) or an error in YASR
  var shown = 0;
  function show(response, duration) {
    var mine = ++shown;
    running(false);
    if (response instanceof Error) {
      yasr.setResponse(new Error(oneLine(response.message)), duration);
      return Promise.resolve();
    }
    var type = (response.headers && response.headers.get("content-type")) || "";
    var labelled = Promise.resolve();
    if (type.indexOf("sparql-results+json") >= 0) {
      try {
        labelled = fetchLabels(unlabelled(JSON.parse(response.content)));
      } catch (e) {
        labelled = Promise.resolve(); // YASR says what is wrong with it
      }
    }
    return labelled.then(function () {
      if (mine !== shown) return;
      yasr.setResponse(response, duration);
      // a graph (CONSTRUCT, DESCRIBE) is read by YASR: its entities' labels come after
      var bindings = yasr.results && yasr.results.getBindings();
      var more = bindings ? unlabelled({ results: { bindings: bindings } }) : [];
      if (!more.length) return;
      return fetchLabels(more).then(function () {
        if (mine === shown) yasr.draw();
      });
    });
  }

  // what the results below answer: the editor's query, or a saved question and its values
  var caption = document.getElementById("kg-shown");
  function describe(zh, en) {
    caption.textContent = "";
    caption.classList.remove("kg-idle");
    [["zh-Hans", zh], ["en", en]].forEach(function (pair) {
      var span = document.createElement("span");
      span.setAttribute("lang", pair[0]);
      span.textContent = pair[1];
      caption.appendChild(span);
    });
  }

  var runningLine = document.getElementById("kg-running");
  function running(what) {
    runningLine.hidden = !what;
    runningLine.textContent = what ? (lang() === "zh" ? "正在运行\u2026 " : "Running\u2026 ") + what : "";
  }

  // --- YASQE -----------------------------------------------------------------------------------

  var ours = Object.keys(PREFIXES).map(function (name) {
    return name + ": <" + PREFIXES[name] + ">";
  });
  var bundled = Yasqe.Autocompleters.prefixes;
  Yasqe.registerAutocompleter(
    Object.assign({}, bundled, {
      // the endpoint's prefixes (the vendored build's own prefix.cc table is emptied by
      // scripts/update-yasgui: no third-party vocabularies offered, no request made)
      get: function (yasqe, token) {
        return Promise.resolve(bundled.get(yasqe, token)).then(function (list) {
          var names = new Set(Object.keys(PREFIXES));
          return ours.concat(
            list.filter(function (entry) {
              return !names.has(entry.split(":")[0]);
            })
          );
        });
      },
      persistenceId: null, // the list is not kept in the browser's storage
    })
  );

  // properties and classes from this graph (YASQE's own ask an outside service, LOV): one
  // query each, when the editor starts; typing gba:co and Ctrl+Space completes gba:coBuiltBy
  function terms(query, name) {
    return function () {
      return ask(query)
        .then(function (answer) {
          return ((answer && answer.results && answer.results.bindings) || [])
            .map(function (row) {
              return row[name];
            })
            .filter(function (term) {
              return term && term.type === "uri";
            })
            .map(function (term) {
              return term.value;
            })
            .sort();
        })
        .catch(function () {
          return []; // no completion; the editor works without it
        });
    };
  }
  Yasqe.forkAutocompleter(
    "property",
    {
      name: "kgProperties",
      bulk: true,
      persistenceId: null,
      get: terms("SELECT DISTINCT ?p WHERE { ?s ?p ?o }", "p"),
    },
    false
  );
  Yasqe.forkAutocompleter(
    "class",
    {
      name: "kgClasses",
      bulk: true,
      persistenceId: null,
      get: terms("SELECT DISTINCT ?c WHERE { ?s a ?c }", "c"),
    },
    false
  );

  var yasqe = new Yasqe(document.getElementById("yasqe"), {
    value: config.example,
    persistenceId: "gba-kg-editor-query",
    autocompleters: ["prefixes", "variables", "kgProperties", "kgClasses"], // no LOV look-ups
    editorHeight: "260px",
    requestConfig: {
      endpoint: ENDPOINT,
      method: "POST",
      acceptHeaderSelect: "application/sparql-results+json",
      acceptHeaderGraph: "text/turtle",
    },
  });
  // the endpoint declares gba:, gbr:, rdfs: ... for every query: so does the editor's parser
  // (no "prefix not defined" marks, no PREFIX lines added while typing them)
  var mode = yasqe.getMode();
  var startState = mode.startState;
  mode.startState = function () {
    var state = startState.apply(mode, arguments);
    state.prefixes = Object.assign({}, PREFIXES, state.prefixes);
    return state;
  };
  yasqe.setValue(yasqe.getValue() || config.example);
  yasqe.checkSyntax();

  var yasr = new Yasr(document.getElementById("yasr"), {
    persistenceId: null,
    pluginOrder: ["table", "response"],
    defaultPlugin: "table",
    prefixes: function () {
      return Object.assign({}, PREFIXES, yasqe.getPrefixesFromQuery());
    },
    errorRenderers: [
      function (error) {
        return Promise.resolve(errorNode(error));
      },
    ],
  });

  // YASR's line above the table ("26 results in 0.04 seconds"), in Chinese on a zh page
  var responseInfo = yasr.updateResponseInfo.bind(yasr);
  yasr.updateResponseInfo = function () {
    responseInfo();
    if (lang() !== "zh" || !yasr.results || !yasr.dataElement) return;
    var rows = yasr.results.getBindings();
    var ms = yasr.results.getResponseTime();
    var parts = [];
    if (rows) parts.push("\u5171 " + rows.length + " \u884c"); // 共 N 行
    if (ms) parts.push("\u7528\u65f6 " + ms / 1000 + " \u79d2"); // 用时 S 秒
    if (parts.length) yasr.dataElement.textContent = parts.join(" \u00b7 ");
  };

  // the query is kept in the browser's storage when it runs and when the page goes (YASQE
  // itself keeps it only when the editor loses the focus)
  window.addEventListener("pagehide", function () {
    yasqe.saveQuery();
  });
  yasqe.on("query", function () {
    yasqe.saveQuery();
    running(lang() === "zh" ? "\u67e5\u8be2" : "query");
    describe("\u7f16\u8f91\u5668\u4e2d\u7684\u67e5\u8be2", "The query in the editor"); // 编辑器中的查询
  });
  yasqe.on("queryResponse", function (_yasqe, response, duration) {
    show(response, duration);
  });

  // --- saved questions -------------------------------------------------------------------------

  var texts = null; // name -> text, from /queries on first use
  function questionText(name) {
    if (texts) return Promise.resolve(texts[name]);
    return fetch("/queries", { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("/queries: HTTP " + response.status);
        return response.json();
      })
      .then(function (listing) {
        texts = {};
        listing.forEach(function (question) {
          texts[question.name] = question.text;
        });
        return texts[name];
      });
  }

  function runSaved(form) {
    var name = form.getAttribute("data-name");
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.querySelectorAll("input[name]"), function (input) {
      params.append(input.name, input.value.trim());
    });
    var url = "/queries/" + encodeURIComponent(name) + (params.toString() ? "?" + params : "");
    var values = [];
    params.forEach(function (value, key) {
      values.push(key + "=" + value);
    });
    var given = values.length ? " \u00b7 " + values.join(", ") : "";
    describe("\u5df2\u4fdd\u5b58\u7684\u95ee\u9898 " + name + given, "Saved question " + name + given); // 已保存的问题
    var started = Date.now();
    var mine = ++shown;
    running(name);
    return fetch(url, { headers: { Accept: "application/sparql-results+json" } })
      .then(function (response) {
        return response.text().then(function (content) {
          if (mine !== shown) return;
          var duration = Date.now() - started;
          if (!response.ok) return show(new Error(oneLine(content, response.status)), duration);
          return show(
            {
              ok: true,
              status: response.status,
              statusText: response.statusText,
              headers: response.headers,
              type: response.type,
              content: content,
            },
            duration
          );
        });
      })
      .catch(function (error) {
        return show(new Error(oneLine("", 0) + " (" + error.message + ")"), Date.now() - started);
      });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.kg-question-form"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      runSaved(form);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("button.kg-open"), function (button) {
    button.addEventListener("click", function () {
      questionText(button.getAttribute("data-name")).then(
        function (text) {
          if (typeof text !== "string") return;
          yasqe.setValue(text);
          yasqe.focus();
          window.scrollTo(0, 0);
        },
        function (error) {
          yasr.setResponse(new Error(oneLine(error.message)), 0);
        }
      );
    });
  });

  // --- language --------------------------------------------------------------------------------

  Array.prototype.forEach.call(document.querySelectorAll("[data-set-lang]"), function (button) {
    button.addEventListener("click", function () {
      window.gbaKgSetLang(button.getAttribute("data-set-lang"));
    });
  });
  document.addEventListener("gba-kg-lang", function () {
    if (yasr.results) yasr.draw(); // labels in the other language
  });

  // --- /query#q-NAME (the index links each saved question so): open its form ------------------

  function openAsked() {
    var asked = /^#q-[a-z0-9-]+$/.test(window.location.hash)
      ? document.getElementById(window.location.hash.slice(1))
      : null;
    if (!asked || asked.tagName !== "DETAILS") return;
    asked.open = true;
    asked.scrollIntoView({ block: "nearest" });
  }
  openAsked();
  window.addEventListener("hashchange", openAsked);

  window.kgEditor = { yasqe: yasqe, yasr: yasr, labels: labels, ready: true };
})();
