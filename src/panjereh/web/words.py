"""The words of the pages, in Persian and English. A dict, not gettext catalogues: no build step, and the
two languages stay side by side where a translator can see both."""

WORDS = {
    "title": ("پنجره واحد خدمات شهری", "Urban services single window"),
    "login": ("ورود", "Sign in"), "logout": ("خروج", "Sign out"),
    "username": ("نام کاربری", "Username"), "password": ("گذرواژه", "Password"),
    "counter": ("پیشخوان", "Counter"), "inbox": ("کارتابل", "Inbox"), "track": ("پیگیری پرونده", "Track a file"),
    "find_parcel": ("جست‌وجوی قطعه", "Find a parcel"),
    "plate_or_postal": ("پلاک (اصلی/فرعی) یا کد پستی", "Plate (main/sub) or postal code"),
    "search": ("جست‌وجو", "Search"), "open_file": ("تشکیل پرونده", "Open a file"),
    "applicant": ("متقاضی", "Applicant"), "national_id": ("کد ملی / شناسه ملی", "National ID / legal ID"),
    "kind": ("نوع", "Kind"), "person": ("حقیقی", "Natural person"), "entity": ("حقوقی", "Legal entity"),
    "name": ("نام", "Name"), "mobile": ("تلفن همراه", "Mobile"),
    "permit": ("پروانه", "Permit"), "permit_type": ("نوع پروانه", "Permit type"), "land_use": ("کاربری", "Land use"),
    "floors": ("طبقات", "Floors"), "units": ("واحدها", "Units"), "area": ("زیربنا (متر مربع)", "Floor area (m²)"),
    "parking": ("پارکینگ", "Parking spaces"), "services": ("انشعاب‌ها", "Connections"),
    "now": ("اکنون", "now"), "later": ("بعداً", "later"), "not_needed": ("لازم نیست", "not needed"),
    "submit": ("ثبت", "Submit"), "file": ("پرونده", "File"), "tracking_code": ("کد رهگیری", "Tracking code"),
    "status": ("وضعیت", "Status"), "agency": ("دستگاه", "Agency"), "deadline": ("مهلت", "Deadline"),
    "days_left": ("روز کاری مانده", "working days left"), "overdue": ("دیرکرد", "overdue"),
    "feasibility": ("امکان‌سنجی روی نقشه", "Feasibility on the map"), "problems": ("ایرادها", "Problems"),
    "bill": ("صورتحساب", "Bill"), "total": ("جمع", "Total"), "rial": ("ریال", "rials"),
    "pay_cash": ("دریافت نقدی", "Take cash payment"),
    "pay_card": ("پرداخت با کارت (درگاه بانک)", "Pay by card (bank gateway)"), "receipt": ("شماره رسید", "Receipt number"),
    "print_permit": ("چاپ پروانه", "Print the permit"), "decide": ("تصمیم", "Decide"),
    "decision": ("تصمیم", "Decision"), "approve": ("موافقت", "Approve"),
    "approve_with_conditions": ("موافقت مشروط", "Approve with conditions"),
    "request_info": ("درخواست اطلاعات", "Request information"), "reject": ("مخالفت", "Reject"),
    "conditions": ("شروط / توضیح", "Conditions / note"), "reason": ("دلیل (بند منتشرشده)", "Reason (published)"),
    "no_tasks": ("کاری در کارتابل نیست", "Nothing in the inbox"), "parcel": ("قطعه", "Parcel"),
    "connections": ("سفارش انشعاب", "Connection orders"), "nothing_found": ("چیزی پیدا نشد", "Nothing found"),
    "language": ("English", "فارسی"),
    "map": ("نقشه شهر", "City map"), "layers": ("لایه‌ها", "Layers"), "all_layers": ("همه", "all"),
    "map_search": ("پلاک، کد پستی یا شناسه تأسیسات", "Plate, postal code or asset id"),
    "measure": ("اندازه‌گیری فاصله", "Measure distance"), "dig": ("ترسیم ترانشه و استعلام حفاری", "Draw a trench: dig check"),
    "finish": ("پایان ترسیم", "Finish"), "clear": ("پاک کردن", "Clear"), "buffer_m": ("حریم (متر)", "Buffer (m)"),
    "distance_m": ("فاصله", "Distance"), "metre": ("متر", "m"), "attributes": ("مشخصات", "Attributes"),
    "dig_result": ("تأسیسات زیر ترانشه", "Assets near the trench"),
    "hidden_assets": ("تأسیسات دیگر (بدون دسترسی)؛ با این دستگاه تماس بگیرید", "more assets you may not see; call this agency"),
    "no_assets": ("هیچ تأسیساتی در این حریم نیست", "No assets within the buffer"),
    "crosses": ("قطع می‌کند", "crosses"), "depth": ("عمق", "depth"),
    "map_help_measure": ("روی نقشه کلیک کنید؛ هر کلیک یک نقطه", "Click the map: each click adds a point"),
    "map_help_dig": ("مسیر ترانشه را با کلیک رسم کنید، سپس «پایان ترسیم»", "Click the trench's path, then Finish"),
    "zoom_in_for": ("از بزرگ‌نمایی", "from zoom"),
    "upload": ("بارگذاری نسخه جدید لایه", "Upload a new layer version"),
    "upload_file": ("پرونده (GeoJSON، GeoPackage، Shapefile فشرده)", "File (GeoJSON, GeoPackage, zipped Shapefile)"),
    "crs": ("دستگاه مختصات اعلام‌شده (مثلاً EPSG:32639)", "Declared CRS (e.g. EPSG:32639)"),
    "base_version": ("نسخه پایه", "Base version"), "note": ("یادداشت", "Note"),
    "repair": ("اصلاح هندسه‌های نامعتبر", "Repair invalid geometries"),
    "uploading": ("در حال ارسال", "Uploading"), "importing": ("در حال بررسی و ورود عارضه‌ها…", "Checking and importing features…"),
    "imported": ("نسخه جدید منتشر شد", "New version published"), "rejected": ("پرونده وارد نشد؛ هیچ تغییری نکرد", "Not imported; nothing changed"),
    "versions": ("نسخه‌ها", "Versions"), "features": ("عارضه", "features"),
    "print_bill": ("چاپ صورتحساب", "Print the bill"), "bill_number": ("شماره صورتحساب", "Bill number"),
    "issued": ("تاریخ صدور", "Issued"), "payable_to": ("سهم دستگاه", "Share of agency"),
    "paid": ("پرداخت شده", "Paid"), "unpaid": ("پرداخت نشده", "Unpaid"), "print": ("چاپ", "Print"),
    "on_map": ("روی نقشه", "On the map"), "description": ("شرح", "Description"),
    "stage_initial": ("صورتحساب اصلی", "main bill"), "stage_later": ("انشعاب بعدی", "later connection"),
    "make_current": ("بازگرداندن این نسخه", "Make this version current"), "current": ("نسخه جاری", "current"),
    # attribute names on the map (the API's field names stay English)
    "attr_registry_district": ("بخش ثبتی", "Registry district"), "attr_plate_main": ("پلاک اصلی", "Main plate"),
    "attr_plate_sub": ("پلاک فرعی", "Sub plate"), "attr_plate": ("پلاک", "Plate"),
    "attr_postal_code": ("کد پستی", "Postal code"), "attr_land_use": ("کاربری", "Land use"),
    "attr_max_floors": ("حداکثر طبقات", "Max floors"), "attr_max_density": ("تراکم مجاز", "Max density"),
    "attr_area_m2": ("مساحت (متر مربع)", "Area (m²)"), "attr_region": ("منطقه", "Region"),
    "attr_regional_value": ("ارزش منطقه‌ای", "Regional value"), "attr_layer": ("لایه", "Layer"),
    "attr_agency": ("دستگاه", "Agency"), "attr_ext_id": ("شناسه", "Asset ID"), "attr_kind": ("نوع", "Kind"),
    "attr_status": ("وضعیت", "Status"), "attr_diameter_mm": ("قطر (میلی‌متر)", "Diameter (mm)"),
    "attr_material": ("جنس", "Material"), "attr_depth_m": ("عمق (متر)", "Depth (m)"),
    "attr_pressure_class": ("رده فشار", "Pressure class"), "attr_voltage_kv": ("ولتاژ (کیلوولت)", "Voltage (kV)"),
    "attr_install_year": ("سال نصب", "Installed"), "attr_capacity_kva": ("ظرفیت (kVA)", "Capacity (kVA)"),
    "attr_load_kva": ("بار (kVA)", "Load (kVA)"),
    "paid_now": ("پرداخت انجام و با بانک تأیید شد", "Paid, and verified with the bank"),
    "paid_already": ("این پرداخت پیش‌تر تأیید و ثبت شده است", "This payment was already verified and recorded"),
    "paid_reversed": ("مبلغ پرداختی با صورتحساب نمی‌خواند یا صورتحساب پیش‌تر پرداخت شده بود؛ پرداخت به کارت برگشت داده شد",
                      "The amount paid did not match the bill, or the bill was already paid: the payment was reversed to the card"),
    "paid_failed": ("پرداخت انجام نشد یا بانک آن را تأیید نکرد؛ مبلغی کسر نشده است",
                    "The payment was not made or the bank did not verify it; nothing was charged"),
    "paid_pending": ("پرداخت هنوز در انتظار تأیید بانک است", "The payment is still waiting for the bank's verification"),
    "paid_unknown": ("چنین پرداختی ثبت نشده است", "No such payment"),
    "paid_unverified": ("اکنون امکان تأیید پرداخت با بانک نیست؛ چیزی ثبت نشد. اگر مبلغی کسر شده، در تطبیق روزانه پیدا و تسویه یا برگشت داده می‌شود",
                        "The bank cannot verify the payment now; nothing was recorded. If money was taken, the daily reconciliation finds it"),
    "gateway_result": ("نتیجه پرداخت", "Payment result"), "back_to_file": ("بازگشت به پرونده", "Back to the file"),
    "too_many": ("درخواست‌ها بیش از حد است؛ یک دقیقه بعد دوباره بکوشید", "Too many lookups; try again in a minute"), "error": ("خطا", "Error"),
}


def word(key: str, language: str) -> str:
    fa, en = WORDS.get(key, (key, key))
    return en if language == "en" else fa


ATTRIBUTE_WORDS = [key for key in WORDS if key.startswith("attr_")]


def words_for(keys, language: str) -> dict:
    """The given words in one language, for a page's scripts (json_script)."""
    return {key: word(key, language) for key in keys}
