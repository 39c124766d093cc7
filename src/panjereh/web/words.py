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
    "pay_cash": ("دریافت نقدی", "Take cash payment"), "receipt": ("شماره رسید", "Receipt number"),
    "print_permit": ("چاپ پروانه", "Print the permit"), "decide": ("تصمیم", "Decide"),
    "decision": ("تصمیم", "Decision"), "approve": ("موافقت", "Approve"),
    "approve_with_conditions": ("موافقت مشروط", "Approve with conditions"),
    "request_info": ("درخواست اطلاعات", "Request information"), "reject": ("مخالفت", "Reject"),
    "conditions": ("شروط / توضیح", "Conditions / note"), "reason": ("دلیل (بند منتشرشده)", "Reason (published)"),
    "no_tasks": ("کاری در کارتابل نیست", "Nothing in the inbox"), "parcel": ("قطعه", "Parcel"),
    "connections": ("سفارش انشعاب", "Connection orders"), "nothing_found": ("چیزی پیدا نشد", "Nothing found"),
    "language": ("English", "فارسی"),
    "too_many": ("درخواست‌ها بیش از حد است؛ یک دقیقه بعد دوباره بکوشید", "Too many lookups; try again in a minute"), "error": ("خطا", "Error"),
}


def word(key: str, language: str) -> str:
    fa, en = WORDS.get(key, (key, key))
    return en if language == "en" else fa
