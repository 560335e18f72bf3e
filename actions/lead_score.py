import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

FREE_MAIL = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com")
TITLE_POINTS = {"ceo": 30, "cto": 30, "vp": 25, "director": 20, "head": 15, "manager": 10}


def employee_count(value):
    # HubSpot's numemployees is a range picker: "1-5", "25-50", "1000+"; take the low end.
    digits = (value or "0").split("-")[0].rstrip("+").strip()
    return int(digits) if digits.isdigit() else 0


def main(event):
    fields = event.get("inputFields")
    score = 0
    email = (fields.get("email") or "").lower()
    if email and not email.endswith(FREE_MAIL):
        score += 20
    words = (fields.get("jobtitle") or "").lower().replace(",", " ").split()
    score += max((TITLE_POINTS.get(word, 0) for word in words), default=0)
    employees = employee_count(fields.get("numemployees"))
    if employees >= 1000:
        score += 30
    elif employees >= 100:
        score += 20
    elif employees >= 10:
        score += 10
    visits = int(fields.get("hs_analytics_num_visits") or 0)
    score += min(visits, 20)
    tier = "hot" if score >= 70 else "warm" if score >= 40 else "cold"
    logger.info("scored %s: %d (%s)", email or "unknown", score, tier)
    return {"outputFields": {"score": score, "tier": tier}}
