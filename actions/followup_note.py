def main(event):
    # Inputs from earlier actions arrive as strings (score "60", not 60); an output of an
    # action that did not run on this path arrives as None.
    fields = event.get("inputFields")
    score = int(float(fields.get("score") or 0))
    tier = fields.get("tier") or "unknown"
    reach = fields.get("phone") or fields.get("email") or "no contact details"
    name = fields.get("firstname") or "this lead"
    note = f"Follow up with {name} ({tier}, score {score}) at {reach}"
    print(note)
    return {"outputFields": {"note": note}}
