"""Pronunciation entries whose spoken form is everyday English: names kept, ordinary speech left alone.

A GP surgery's related text (30 sentences naming its staff and two drugs) and a pronunciation file where four
names are said as everyday phrases (``Allgood<TAB>all good``, ``Goodenough<TAB>good enough``, ``Okafor<TAB>okay
for``, ``Nguyen<TAB>win``), one as a rarer phrase (``Fairweather<TAB>fair weather``) and two drugs respelled. The
default custom Whisper model is trained once (text only: fine-tuned on the related text spoken by espeak-ng), then
its test clips are decoded twice: as trained (the everyday entries set apart, not rewritten) and with every entry
rewritten wherever its spoken form is heard (``display_forms.json`` with all entries: what
``--rewrite-everyday-phrases`` writes, and every model before it). The fine-tuned weights, the hotwords and the
held-out decoding choice are the same for both, so the difference is the rewriting alone.

Test sentences (never training material): 12 that say the names, 12 that say the everyday phrases, each in two of
three espeak-ng voices none of training uses. Counted: the names written where said (recall), and display forms
written where the reference does not say them (false alarms).

    PYTHONPATH=$PWD HF_HUB_OFFLINE=1 .venv/bin/python bench/everyday_spoken_forms.py --work /tmp/everyday
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

from tunefork.audio import read_audio
from tunefork.engines.contract import TrainingParameters
from tunefork.speech.customization import TrainingData
from tunefork.speech.synthesis import Voice, synthesize_cached
from tunefork.speech.whisper_custom.trainer import DISPLAY_FORMS_FILE, load, train

RELATED_TEXT = """\
Doctor Allgood runs the diabetes clinic on Tuesday mornings.
Please book the patient in with Doctor Allgood for a medication review.
Doctor Allgood has asked for a repeat blood test in two weeks.
Nurse Goodenough will do the dressing change this afternoon.
Ask Nurse Goodenough to check the wound on Friday.
Nurse Goodenough gave the flu jab yesterday.
Doctor Okafor is the duty doctor today.
Doctor Okafor increased the metoprolol dose last month.
Send the hospital letter to Doctor Okafor.
Mister Nguyen called about his gabapentin prescription.
Mister Nguyen needs a blood pressure check next week.
Please ring Mister Nguyen back after two o'clock.
Doctor Fairweather is on annual leave until Monday.
Doctor Fairweather started the patient on gabapentin.
The referral from Doctor Fairweather arrived this morning.
The patient takes metoprolol twice a day.
Gabapentin can make you drowsy, so take it at night.
Stop the metoprolol if your pulse drops below fifty.
The pharmacy is out of gabapentin until Thursday.
Doctor Allgood and Doctor Okafor share the Thursday list.
Nurse Goodenough will phone with the results.
Mister Nguyen has an appointment with Doctor Fairweather.
Your next review is with Doctor Allgood in three months.
Doctor Okafor would like to see you again in a fortnight.
Please collect the metoprolol from the pharmacy.
Mister Nguyen asked whether gabapentin is safe with his other tablets.
Nurse Goodenough runs the asthma clinic.
Doctor Fairweather will call you with the scan results.
Doctor Allgood signed the repeat prescription.
The gabapentin dose goes up to three hundred milligrams.
""".splitlines()

PRONUNCIATIONS = [
    ("Allgood", "all good"),
    ("Goodenough", "good enough"),
    ("Okafor", "okay for"),
    ("Nguyen", "win"),
    ("Fairweather", "fair weather"),
    ("metoprolol", "meh toe pro lol"),
    ("gabapentin", "gab a pen tin"),
]

NAMES_SAID = [
    "Doctor Allgood will see you at three.",
    "Please ask for Nurse Goodenough at reception.",
    "Doctor Okafor is on call tonight.",
    "Your appointment with Doctor Fairweather is on Monday.",
    "Mister Nguyen called about his prescription.",
    "I spoke to Doctor Allgood yesterday about the results.",
    "Nurse Goodenough said the scan was clear.",
    "Send the referral to Doctor Okafor and copy me in.",
    "Doctor Fairweather wants the bloods repeated.",
    "Ask Mister Nguyen to ring the lab.",
    "The metoprolol was changed by Doctor Okafor.",
    "Mister Nguyen collected his gabapentin.",
]

PHRASES_SAID = [
    "It's all good, thank you.",
    "That is good enough for me.",
    "Is Monday okay for you?",
    "We hope for fair weather at the weekend.",
    "Did your team win the match?",
    "All good, see you next week.",
    "Good enough, let's leave it there.",
    "Okay for now, but call if it gets worse.",
    "Fair weather is forecast for Friday.",
    "Win or lose, it was a great game.",
    "Everything came back all good.",
    "I hope we win the raffle this year.",
]

TEST_VOICES = (Voice("en-us+m7"), Voice("en-gb-x-rp+f4"), Voice("en-us+f2"))
"""Voices none of training's synthesis (:data:`.augment.DEFAULT_SYNTHESIS_VOICES`) uses; each sentence gets two."""


def _count(display: str, text: str) -> int:
    return len(re.findall(rf"(?<!\w){re.escape(display)}(?!\w)", text))


def _test_clips(cache: Path) -> list[tuple[str, Path]]:
    sentences = NAMES_SAID + PHRASES_SAID
    clips = []
    for rotation in range(2):
        for index, sentence in enumerate(sentences):
            voice = TEST_VOICES[(index + rotation) % len(TEST_VOICES)]
            clips.append((sentence, synthesize_cached(sentence, cache, voice)))
    return clips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="keep the trained model here (default: a temporary folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="everyday-"))
    artifact = work / "model"
    started = time.monotonic()
    if not (artifact / "engine_config.json").exists():
        shutil.rmtree(artifact, ignore_errors=True)
        trained = train(
            "whisper-tiny.en",
            TrainingData(related_text=RELATED_TEXT, pronunciations=PRONUNCIATIONS),
            TrainingParameters(),
            artifact,
            lambda done, total, message="": None,
        )
        (artifact / "engine_config.json").write_text(json.dumps(trained.engine_config))
        print(*trained.warnings, sep="\n")
    config = json.loads((artifact / "engine_config.json").read_text())
    print(f"trained in {time.monotonic() - started:.0f} s; decoding: merge_check_sound {config['merge_check_sound']}")
    every_entry = work / "every-entry"
    shutil.rmtree(every_entry, ignore_errors=True)
    shutil.copytree(artifact, every_entry)
    (every_entry / DISPLAY_FORMS_FILE).write_text(json.dumps([list(pair) for pair in PRONUNCIATIONS]))
    models = {
        "as trained (everyday set apart)": load(artifact, config),
        "every entry rewritten": load(every_entry, config),
    }
    displays = [display for display, _ in PRONUNCIATIONS]
    totals = {name: {"said": 0, "written": 0, "unsaid": 0, "phrases_changed": 0} for name in models}
    for reference, clip in _test_clips(work / "clips"):
        samples = read_audio(clip).samples
        for name, model in models.items():
            hypothesis = model.transcribe(samples).text
            unsaid = 0
            for display in displays:
                said, written = _count(display, reference), _count(display, hypothesis)
                totals[name]["said"] += said
                totals[name]["written"] += min(said, written)
                unsaid += max(0, written - said)
            totals[name]["unsaid"] += unsaid
            totals[name]["phrases_changed"] += int(reference in PHRASES_SAID and unsaid > 0)
            print(f"{name:32} {reference!r} -> {hypothesis!r}")
    print("\n| decoding | names written where said | display forms written unsaid | everyday clips changed |")
    print("|---|---:|---:|---:|")
    for name, total in totals.items():
        print(
            f"| {name} | {total['written']} of {total['said']} | {total['unsaid']} | "
            f"{total['phrases_changed']} of {2 * len(PHRASES_SAID)} |"
        )


if __name__ == "__main__":
    main()
