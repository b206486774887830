"""Build a Dialogflow ES agent zip (the "Export as ZIP" layout) from a compact source file.

Written by a new-user review helper (2026-12-05) who read no tunefork code: ``## intent`` headings, one training
phrase a line, ``[text](parameter)`` annotations; ``## OOS ...`` sections become the Default Fallback Intent.

    python bench/data/stowaway/make_agent.py bench/data/stowaway/train.src.txt /tmp/stowaway-train.zip
"""

import json
import re
import sys
import uuid
import zipfile
from pathlib import Path

ENT = {
    "unit_size": [
        ("locker", ["locker", "3x3"]),
        ("small", ["small", "5x5", "50 sq ft"]),
        ("medium", ["medium", "10x10", "100 sq ft", "med"]),
        ("large", ["large", "10x15", "garage sized", "garage size"]),
        ("extra large", ["extra large", "xl", "10x20"]),
    ],
    "branch": [
        ("Leeds", ["leeds", "leeds branch"]),
        ("Bradford", ["bradford"]),
        ("York", ["york", "yrk"]),
        ("Harrogate", ["harrogate", "harrogate branch"]),
        ("Wakefield", ["wakefield", "wakefeild"]),
    ],
    "supply_item": [
        ("box", ["box", "boxes", "cardboard boxes", "moving boxes", "large boxes"]),
        ("tape", ["tape", "packing tape", "parcel tape"]),
        ("bubble wrap", ["bubble wrap", "bubblewrap"]),
        ("padlock", ["padlock", "lock", "disc lock"]),
        ("mattress cover", ["mattress cover", "mattress covers", "mattress bag"]),
    ],
}
SYS = {"date": "@sys.date", "rental_length": "@sys.duration"}


def parts(line):
    out = []
    pos = 0
    for m in re.finditer(r"\[([^\]]+)\]\(([^)]+)\)", line):
        if m.start() > pos:
            out.append({"text": line[pos : m.start()], "userDefined": False})
        name = m.group(2)
        out.append({"text": m.group(1), "alias": name, "meta": SYS.get(name, "@" + name), "userDefined": True})
        pos = m.end()
    if pos < len(line):
        out.append({"text": line[pos:], "userDefined": False})
    return out


def build(src, dst, oos_name="Default Fallback Intent"):
    intents = {}
    cur = None
    for line in Path(src).read_text(encoding="utf-8").splitlines():
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.startswith("## "):
            cur = line[3:].strip()
            if cur.startswith("OOS"):
                cur = oos_name
            intents.setdefault(cur, [])
            continue
        intents[cur].append(line)
    z = zipfile.ZipFile(dst, "w")
    z.writestr(
        "agent.json",
        json.dumps(
            {
                "description": "StowAway Storage bot",
                "language": "en",
                "defaultTimezone": "Europe/London",
                "webhook": {"available": False},
            },
            indent=2,
        ),
    )
    z.writestr("package.json", json.dumps({"version": "1.0.0"}))
    for name, vals in ENT.items():
        z.writestr(
            f"entities/{name}.json",
            json.dumps(
                {
                    "id": str(uuid.uuid4()),
                    "name": name,
                    "isOverridable": True,
                    "isEnum": False,
                    "isRegexp": False,
                    "automatedExpansion": False,
                    "allowFuzzyExtraction": False,
                },
                indent=2,
            ),
        )
        z.writestr(
            f"entities/{name}_entries_en.json", json.dumps([{"value": v, "synonyms": s} for v, s in vals], indent=2)
        )
    for name, lines in intents.items():
        params = []
        seen = set()
        for phrase in lines:
            for p in parts(phrase):
                if p.get("alias") and p["alias"] not in seen:
                    seen.add(p["alias"])
                    params.append(
                        {
                            "id": str(uuid.uuid4()),
                            "name": p["alias"],
                            "required": False,
                            "dataType": p["meta"],
                            "value": "$" + p["alias"],
                            "isList": False,
                        }
                    )
        z.writestr(
            f"intents/{name}.json",
            json.dumps(
                {
                    "id": str(uuid.uuid4()),
                    "name": name,
                    "auto": True,
                    "contexts": [],
                    "responses": [
                        {
                            "resetContexts": False,
                            "affectedContexts": [],
                            "parameters": params,
                            "messages": [{"type": 0, "lang": "en", "speech": []}],
                        }
                    ],
                    "priority": 500000,
                    "webhookUsed": False,
                    "fallbackIntent": name == oos_name,
                    "events": [],
                },
                indent=2,
            ),
        )
        z.writestr(
            f"intents/{name}_usersays_en.json",
            json.dumps(
                [
                    {
                        "id": str(uuid.uuid4()),
                        "data": parts(phrase),
                        "isTemplate": False,
                        "count": 0,
                        "lang": "en",
                        "updated": 0,
                    }
                    for phrase in lines
                ],
                indent=2,
            ),
        )
    z.close()
    print(dst, {k: len(v) for k, v in intents.items()})


build(sys.argv[1], sys.argv[2])
