import re

# HubSpot gives each input as a string; an unset property arrives as None.
COUNTRY_CODES = {"US": "1", "CA": "1", "GB": "44", "FR": "33", "DE": "49", "AU": "61"}


def main(event):
    raw = event.get("inputFields").get("phone") or ""
    country = (event.get("inputFields").get("country") or "US").upper()
    digits = re.sub(r"\D", "", raw)
    code = COUNTRY_CODES.get(country, "1")
    if digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith(code) and len(digits) > 10:
        digits = digits[len(code) :]
    valid = 7 <= len(digits) <= 12
    e164 = "+" + code + digits if valid else ""
    print(f"formatted {raw!r} for {country}: {e164 or 'invalid'}")
    return {
        "outputFields": {
            "phone_e164": e164,
            "phone_valid": "yes" if valid else "no",
        }
    }
