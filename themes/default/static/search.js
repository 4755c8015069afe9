/* Tandem default theme: search as you type.
 *
 * Progressive enhancement of the header's <form role="search">: without
 * this script the form opens the search page, which lists every page.
 * With it, results appear under the box as you type.
 *
 * - The index (search-index.json, written at build time) is fetched the
 *   first time the box is used; from file:// (where browsers refuse to
 *   fetch) it is loaded from search-index.js instead.
 * - Keyboard: "/" focuses the box, Up/Down move through the results,
 *   Enter opens the highlighted one, Escape closes the list.
 * - Everything from the index is put in the page as text nodes: titles and
 *   snippets are never parsed as HTML.
 *
 * No dependencies, no inline code (the site's CSP forbids it).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var form = document.querySelector("form.site-search");
  if (!script || !form) {
    return;
  }
  var input = form.querySelector("input[type=search]");
  if (!input) {
    return;
  }
  var root = new URL(".", script.src);
  var base = form.getAttribute("data-base") || "/";
  var fromFile = root.protocol === "file:";
  var MAX_RESULTS = 10;
  var PAGE_RESULTS = 50;
  var SNIPPET = 160;

  var pages = null; // the index, once loaded
  var loading = null; // callbacks waiting for it
  var results = []; // current results
  var active = -1; // highlighted result

  // ---- The results list, built once -------------------------------------

  var box = document.createElement("div");
  box.className = "search-results";
  box.hidden = true;
  var list = document.createElement("ul");
  list.className = "search-results__list";
  list.id = "site-search-results";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Search results");
  var status = document.createElement("p");
  status.className = "search-results__status";
  status.setAttribute("role", "status");
  box.appendChild(status);
  box.appendChild(list);
  form.appendChild(box);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  form.classList.add("site-search--enhanced");

  // ---- Loading the index -------------------------------------------------

  function prepare(data) {
    var list = (data && data.pages) || [];
    return list.map(function (p) {
      return {
        title: String(p.title || ""),
        url: String(p.url || ""),
        section: String(p.section || ""),
        text: String(p.text || ""),
        lowTitle: String(p.title || "").toLowerCase(),
        lowSection: String(p.section || "").toLowerCase(),
        lowText: String(p.text || "").toLowerCase()
      };
    });
  }

  function loaded(data) {
    pages = prepare(data);
    var waiting = loading || [];
    loading = null;
    waiting.forEach(function (callback) {
      callback();
    });
  }

  function failed() {
    pages = [];
    loading = null;
    showStatus("Search is not available here.");
  }

  function loadScriptIndex() {
    if (window.TANDEM_SEARCH_INDEX) {
      loaded(window.TANDEM_SEARCH_INDEX);
      return;
    }
    var tag = document.createElement("script");
    tag.src = new URL("search-index.js", root).href;
    tag.onload = function () {
      if (window.TANDEM_SEARCH_INDEX) {
        loaded(window.TANDEM_SEARCH_INDEX);
      } else {
        failed();
      }
    };
    tag.onerror = failed;
    document.head.appendChild(tag);
  }

  function withIndex(callback) {
    if (pages) {
      callback();
      return;
    }
    if (loading) {
      loading.push(callback);
      return;
    }
    loading = [callback];
    if (fromFile || !window.fetch) {
      loadScriptIndex();
      return;
    }
    fetch(new URL("search-index.json", root).href)
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(loaded, loadScriptIndex);
  }

  // ---- Searching ---------------------------------------------------------

  function terms(query) {
    return query
      .toLowerCase()
      .split(/\s+/)
      .filter(function (t) {
        return t.length > 0;
      });
  }

  function count(haystack, needle) {
    var n = 0;
    var at = haystack.indexOf(needle);
    while (at !== -1 && n < 10) {
      n += 1;
      at = haystack.indexOf(needle, at + needle.length);
    }
    return n;
  }

  function score(page, words, phrase) {
    var total = 0;
    for (var i = 0; i < words.length; i += 1) {
      var w = words[i];
      var inTitle = page.lowTitle.indexOf(w);
      var inSection = page.lowSection.indexOf(w);
      var inText = count(page.lowText, w);
      if (inTitle === -1 && inSection === -1 && inText === 0) {
        return 0; // every word must match somewhere
      }
      if (inTitle !== -1) {
        var atWord = inTitle === 0 || /[^a-z0-9]/.test(page.lowTitle.charAt(inTitle - 1));
        total += atWord ? 10 : 6;
      }
      if (inSection !== -1) {
        total += 2;
      }
      total += Math.min(inText, 10) * 0.5;
    }
    if (words.length > 1 && page.lowTitle.indexOf(phrase) !== -1) {
      total += 10;
    }
    return total;
  }

  function search(query, limit) {
    var words = terms(query);
    if (!words.length || !pages) {
      return [];
    }
    var phrase = words.join(" ");
    var found = [];
    for (var i = 0; i < pages.length; i += 1) {
      var s = score(pages[i], words, phrase);
      if (s > 0) {
        found.push({ page: pages[i], score: s });
      }
    }
    found.sort(function (a, b) {
      return b.score - a.score || a.page.title.localeCompare(b.page.title);
    });
    return found.slice(0, limit).map(function (f) {
      return f.page;
    });
  }

  /** The part of `text` around the first match, with ellipses. */
  function snippet(page, words) {
    var text = page.text;
    var at = -1;
    for (var i = 0; i < words.length && at === -1; i += 1) {
      at = page.lowText.indexOf(words[i]);
    }
    if (at === -1) {
      at = 0;
    }
    var start = Math.max(0, at - 50);
    if (start > 0) {
      var space = text.indexOf(" ", start);
      start = space !== -1 && space < at ? space + 1 : start;
    }
    var end = Math.min(text.length, start + SNIPPET);
    if (end < text.length) {
      var lastSpace = text.lastIndexOf(" ", end);
      end = lastSpace > at ? lastSpace : end;
    }
    return (start > 0 ? "\u2026 " : "") + text.slice(start, end) + (end < text.length ? " \u2026" : "");
  }

  /** Appends `text` to `parent`, with every match of `words` in <mark>. */
  function highlight(parent, text, words) {
    var low = text.toLowerCase();
    var i = 0;
    while (i < text.length) {
      var next = -1;
      var length = 0;
      for (var w = 0; w < words.length; w += 1) {
        var at = low.indexOf(words[w], i);
        if (at !== -1 && (next === -1 || at < next || (at === next && words[w].length > length))) {
          next = at;
          length = words[w].length;
        }
      }
      if (next === -1) {
        parent.appendChild(document.createTextNode(text.slice(i)));
        return;
      }
      if (next > i) {
        parent.appendChild(document.createTextNode(text.slice(i, next)));
      }
      var mark = document.createElement("mark");
      mark.appendChild(document.createTextNode(text.slice(next, next + length)));
      parent.appendChild(mark);
      i = next + length;
    }
  }

  /** The address of a page from the index, from wherever this page is. */
  function href(url) {
    var path = url.indexOf(base) === 0 ? url.slice(base.length) : url.replace(/^\/+/, "");
    if (fromFile && (path === "" || path.charAt(path.length - 1) === "/")) {
      path += "index.html";
    }
    return new URL(path, root).href;
  }

  // An option of the list under the box holds no link: an option's
  // content is presentational, so a link inside it is lost to assistive
  // technology. The option leads to its page itself (Enter, or a click);
  // the search page's results, which are no options, are links.
  function resultItem(page, words, id) {
    var item = document.createElement("li");
    item.className = "search-result";
    var link;
    if (id) {
      item.id = id;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.setAttribute("data-href", href(page.url));
      link = document.createElement("div");
    } else {
      link = document.createElement("a");
      link.href = href(page.url);
    }
    link.className = "search-result__link";
    var title = document.createElement("span");
    title.className = "search-result__title";
    highlight(title, page.title, words);
    var section = document.createElement("span");
    section.className = "search-result__section";
    section.appendChild(document.createTextNode(page.section));
    var text = document.createElement("span");
    text.className = "search-result__snippet";
    highlight(text, snippet(page, words), words);
    link.appendChild(title);
    link.appendChild(section);
    link.appendChild(text);
    item.appendChild(link);
    return item;
  }

  // ---- The list under the box ----------------------------------------------

  function showStatus(message) {
    status.textContent = message;
    box.hidden = false;
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
  }

  function close() {
    box.hidden = true;
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function render() {
    var query = input.value.trim();
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (!query) {
      results = [];
      close();
      return;
    }
    if (!pages) {
      results = [];
      showStatus("Loading the search index\u2026");
      withIndex(render);
      return;
    }
    var words = terms(query);
    results = search(query, MAX_RESULTS);
    // The `_` keeps these ids apart from the page's headings' ids, which
    // never hold one.
    results.forEach(function (page, i) {
      list.appendChild(resultItem(page, words, "site-search-result_" + i));
    });
    showStatus(
      results.length === 0
        ? "No page matches \u201c" + query + "\u201d."
        : results.length + (results.length === 1 ? " result" : " results") +
          (results.length === MAX_RESULTS ? " shown; press Enter for all." : ".")
    );
  }

  function highlightResult(index) {
    var items = list.querySelectorAll("[role=option]");
    if (!items.length) {
      return;
    }
    active = (index + items.length) % items.length;
    for (var i = 0; i < items.length; i += 1) {
      var on = i === active;
      items[i].setAttribute("aria-selected", on ? "true" : "false");
      items[i].classList.toggle("is-active", on);
    }
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  input.addEventListener("focus", function () {
    withIndex(function () {});
    if (input.value.trim() && list.firstChild) {
      box.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
  });

  input.addEventListener("input", render);

  list.addEventListener("click", function (event) {
    var item = event.target.closest("[role=option]");
    if (item) {
      window.location.href = item.getAttribute("data-href");
    }
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "Down") {
      event.preventDefault();
      if (box.hidden) {
        render();
      }
      highlightResult(active + 1);
    } else if (event.key === "ArrowUp" || event.key === "Up") {
      event.preventDefault();
      highlightResult(active - 1);
    } else if (event.key === "Enter") {
      if (active >= 0 && results[active]) {
        event.preventDefault();
        window.location.href = href(results[active].url);
      }
      // Otherwise the form submits: the search page shows every result.
    } else if (event.key === "Escape" || event.key === "Esc") {
      if (!box.hidden) {
        event.preventDefault();
        close();
      } else if (input.value) {
        event.preventDefault();
        input.value = "";
      } else {
        input.blur();
      }
    }
  });

  // "/" anywhere (outside a text field) jumps to the search box.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable)) {
      return;
    }
    event.preventDefault();
    input.focus();
    input.select();
  });

  // Clicking or tabbing elsewhere closes the list.
  document.addEventListener("pointerdown", function (event) {
    if (!form.contains(event.target)) {
      close();
    }
  });
  document.addEventListener("focusin", function (event) {
    if (!form.contains(event.target)) {
      close();
    }
  });

  // ---- The search page: every result for ?q= -------------------------------

  var pageView = document.querySelector("[data-search-page]");
  if (pageView) {
    var query = new URLSearchParams(window.location.search).get("q") || "";
    if (query.trim()) {
      input.value = query;
      var section = pageView.querySelector(".search-page__results");
      var pageList = pageView.querySelector(".search-page__list");
      var pageStatus = pageView.querySelector(".search-page__status");
      withIndex(function () {
        var words = terms(query);
        var all = search(query, PAGE_RESULTS);
        all.forEach(function (page) {
          pageList.appendChild(resultItem(page, words, null));
        });
        pageStatus.textContent =
          all.length === 0
            ? "No page matches \u201c" + query + "\u201d."
            : all.length + (all.length === 1 ? " page matches" : " pages match") + " \u201c" + query + "\u201d.";
        section.hidden = false;
      });
    }
  }
})();
