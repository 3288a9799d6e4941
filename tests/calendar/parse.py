"""An independent reading of a Custodian calendar feed: parses the
iCalendar text on standard input with the `icalendar` package (PyPI,
pinned in the Makefile's verifier-deps) and prints what a calendar program
would take from it, as JSON: the time zones and, per event, its UID,
summary, URL, start (a date, or a local time with its zone), status and
alarm offsets in seconds. Exits non-zero when the text does not parse."""

import json
import sys

import icalendar

cal = icalendar.Calendar.from_ical(sys.stdin.read())
out = {"timezones": [], "events": []}
for c in cal.walk():
    if c.name == "VTIMEZONE":
        out["timezones"].append(str(c["TZID"]))
    if c.name == "VEVENT":
        start = c.decoded("DTSTART")
        if hasattr(start, "hour"):
            when = {"kind": "time", "local": start.strftime("%Y-%m-%dT%H:%M"),
                    "tzid": c["DTSTART"].params.get("TZID", "")}
        else:
            when = {"kind": "date", "date": start.isoformat()}
            end = c.decoded("DTEND")
            when["end"] = end.isoformat()
        alarms = []
        for a in c.walk("VALARM"):
            alarms.append(int(a.decoded("TRIGGER").total_seconds()))
        out["events"].append({
            "uid": str(c["UID"]),
            "summary": str(c["SUMMARY"]),
            "description": str(c.get("DESCRIPTION", "")),
            "url": str(c.get("URL", "")),
            "status": str(c.get("STATUS", "")),
            "start": when,
            "alarms": sorted(alarms),
        })
json.dump(out, sys.stdout)
