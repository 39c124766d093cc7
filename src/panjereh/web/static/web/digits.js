/* Digits for the page scripts, as the server does them: shown in Persian digits on Persian pages, and
 * accepted in Persian, Arabic or Latin digits (with Persian separators) wherever a number is typed. */
(function () {
  "use strict";
  const persian = document.documentElement.lang !== "en";
  window.panjerehDigits = {
    persian,
    toLatin: (s) => String(s).replace(/[۰-۹]/g, (d) => "۰۱۲۳۴۵۶۷۸۹".indexOf(d))
      .replace(/[٠-٩]/g, (d) => "٠١٢٣٤٥٦٧٨٩".indexOf(d)).replace(/[٫]/g, ".").replace(/[٬,]/g, ""),
    show: (v) => (persian ? String(v).replace(/\d/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[d]).replace(/\./g, "٫") : String(v)),
    // a number with its thousands separated (٬ and ٫ on Persian pages): 90795510 → ۹۰٬۷۹۵٬۵۱۰
    number: (v) => {
      const text = Number(v).toLocaleString("en-US", { maximumFractionDigits: 6 });
      return persian ? text.replace(/,/g, "٬").replace(/\./g, "٫").replace(/\d/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[d]) : text;
    },
  };
})();
