"""SMS as one city's rows (``panjereh copydatabase --city``): a message is its file's (its subject)."""


def messages(city_id, rows):
    from panjereh.sms.models import SmsMessage

    return SmsMessage._base_manager.filter(subject__in=rows("permits.application").values("tracking_code"))


RULES = {"SmsMessage": messages}
