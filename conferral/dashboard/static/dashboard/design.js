// The certificate design editor: drag the fields on the preview or type their
// position, and the previews (drawn by the real renderer on the server) follow.
// Plain JavaScript, no build step. The form works without it (save, then look).
(function () {
  "use strict";

  var PT_TO_MM = 25.4 / 72;

  function init() {
    var form = document.getElementById("design-form");
    var canvas = document.getElementById("design-canvas");
    if (!form || !canvas) return;
    var pages = JSON.parse(form.dataset.pages || "{}");
    var badgeRatio = parseFloat(form.dataset.badgeRatio || "1") || 1;
    var previewUrl = form.dataset.previewUrl;
    var editable = !form.querySelector("fieldset[disabled]");
    var status = document.getElementById("design-status");
    var timer = null;

    function input(name) {
      return form.elements.namedItem(name);
    }

    function number(name, fallback) {
      var element = input(name);
      var value = element ? parseFloat(element.value) : NaN;
      return isNaN(value) ? fallback : value;
    }

    // The page in millimetres: a named size, or the width and height typed in.
    function page() {
      var select = input("page");
      var named = pages[select ? select.value : ""];
      if (named) return named;
      return [number("page-width", 297) || 297, number("page-height", 210) || 210];
    }

    function query(sample, size) {
      var data = new FormData(form);
      var params = new URLSearchParams();
      data.forEach(function (value, key) {
        if (key !== "csrfmiddlewaretoken" && key !== "action") params.append(key, value);
      });
      params.set("draft", "1");
      params.set("sample", sample);
      if (size) params.set("size", size);
      return previewUrl + "?" + params.toString();
    }

    function refresh() {
      document.querySelectorAll(".design-preview").forEach(function (image) {
        image.src = query(image.dataset.sample, image.dataset.size);
      });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 300);
    }

    // One handle per shown field (and the badge image), placed in percent of the page.
    function handles() {
      canvas.querySelectorAll(".design-handle").forEach(function (h) { h.remove(); });
      var size = page();
      canvas.style.aspectRatio = size[0] + " / " + size[1];
      var boxes = [];
      form.querySelectorAll("tr[data-index]").forEach(function (row) {
        var i = row.dataset.index;
        var on = input("f-" + i + "-on");
        if (!on || !on.checked) return;
        var width = number("f-" + i + "-width", 50);
        var height = row.dataset.qr === "1" ? width : number("f-" + i + "-size", 14) * PT_TO_MM * 1.4;
        boxes.push({ prefix: "f-" + i + "-", label: row.querySelector("th").textContent, width: width, height: height });
      });
      if (input("badge-x")) {
        var badgeWidth = number("badge-width", 30);
        boxes.push({ prefix: "badge-", label: form.querySelector(".design-badge legend").textContent, width: badgeWidth, height: badgeWidth * badgeRatio });
      }
      boxes.forEach(function (box) {
        var handle = document.createElement("div");
        handle.className = "design-handle";
        handle.textContent = box.label;
        handle.style.left = (number(box.prefix + "x", 0) / size[0]) * 100 + "%";
        handle.style.top = (number(box.prefix + "y", 0) / size[1]) * 100 + "%";
        handle.style.width = (box.width / size[0]) * 100 + "%";
        handle.style.height = (box.height / size[1]) * 100 + "%";
        if (editable) {
          drag(handle, box.prefix);
          keys(handle, box.prefix, box.label);
        } else {
          handle.setAttribute("aria-hidden", "true");
        }
        canvas.appendChild(handle);
      });
    }

    // Move to (x, y) millimetres, kept on the page: the number fields and the handle.
    function place(handle, prefix, x, y) {
      var size = page();
      x = Math.min(size[0], Math.max(0, x));
      y = Math.min(size[1], Math.max(0, y));
      input(prefix + "x").value = x.toFixed(1);
      input(prefix + "y").value = y.toFixed(1);
      handle.style.left = (x / size[0]) * 100 + "%";
      handle.style.top = (y / size[1]) * 100 + "%";
    }

    // The keyboard's way to drag: focus a field on the preview, move it with the arrow
    // keys, 1 mm a press (10 mm with Shift).
    function keys(handle, prefix, label) {
      handle.tabIndex = 0;
      handle.setAttribute("role", "button");
      handle.setAttribute("aria-label", label + ". " + (canvas.dataset.moveHint || ""));
      var steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      handle.addEventListener("keydown", function (event) {
        var step = steps[event.key];
        if (!step) return;
        event.preventDefault();
        var by = event.shiftKey ? 10 : 1;
        place(handle, prefix, number(prefix + "x", 0) + step[0] * by, number(prefix + "y", 0) + step[1] * by);
        if (status) {
          status.textContent = label + ": " + input(prefix + "x").value + " mm, " + input(prefix + "y").value + " mm";
        }
        later();
      });
    }

    function drag(handle, prefix) {
      handle.addEventListener("pointerdown", function (event) {
        event.preventDefault();
        handle.setPointerCapture(event.pointerId);
        handle.classList.add("dragging");
        var size = page();
        var scale = size[0] / canvas.getBoundingClientRect().width; // mm per pixel
        var startX = event.clientX, startY = event.clientY;
        var x0 = number(prefix + "x", 0), y0 = number(prefix + "y", 0);
        function move(e) {
          place(handle, prefix, x0 + (e.clientX - startX) * scale, y0 + (e.clientY - startY) * scale);
        }
        function up() {
          handle.removeEventListener("pointermove", move);
          handle.removeEventListener("pointerup", up);
          handle.removeEventListener("pointercancel", up);
          handle.classList.remove("dragging");
          refresh();
        }
        handle.addEventListener("pointermove", move);
        handle.addEventListener("pointerup", up);
        handle.addEventListener("pointercancel", up);
      });
    }

    document.querySelectorAll(".design-preview").forEach(function (image) {
      image.addEventListener("error", function () {
        if (status) status.textContent = status.dataset.error || "";
      });
      image.addEventListener("load", function () {
        if (status && status.dataset.error && status.textContent === status.dataset.error) {
          status.textContent = status.dataset.ok || "";
        }
      });
    });
    if (status) status.dataset.ok = status.textContent;

    // Choosing a named size fills in its width and height; typing them makes it custom.
    function syncPage(event) {
      var select = input("page");
      var named = pages[select.value];
      if (event.target === select && named) {
        input("page-width").value = named[0];
        input("page-height").value = named[1];
      } else if (event.target.name === "page-width" || event.target.name === "page-height") {
        select.value = select.querySelector("option:last-child").value;
      }
    }

    form.addEventListener("input", function (event) { syncPage(event); handles(); later(); });
    form.addEventListener("change", function (event) { syncPage(event); handles(); later(); });
    handles();
    // Without a design of its own the server drew the built-in design: draw the
    // starting layout the form shows instead, so the handles sit on their fields.
    if (form.dataset.custom !== "1") refresh();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
