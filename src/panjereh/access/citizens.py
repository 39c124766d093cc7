"""What a citizen signed in from home with a one-time code may read."""


def citizen_file_filter(citizen: dict | None) -> dict | None:
    """The files a signed-in citizen may read, as filter arguments on applications; None: no file at all.

    With the identity inquiry's confirmation that the mobile is theirs, a citizen reads every file of their
    national ID; without it (the inquiry did not answer), only the files that also carry that mobile — a
    national ID alone is no secret."""
    if not citizen or not citizen.get("national_id") or not citizen.get("mobile"):
        return None
    if citizen.get("identity") == "verified":
        return {"applicant__national_id": citizen["national_id"]}
    return {"applicant__national_id": citizen["national_id"], "applicant_mobile": citizen["mobile"]}
