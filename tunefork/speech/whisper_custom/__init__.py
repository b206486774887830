"""Whisper customization engine: related text, pronunciations and audio -> a custom Whisper model.

What each kind of data does (Azure Custom Speech's table, for Whisper):

* related text -> decode-time biasing: domain terms and phrases are mined from the text
  (:mod:`.terms`) and passed to faster-whisper as ``hotwords``, ranked and capped in tokens
  (:mod:`.biasing`), kept only where they bring a term the plain decoding heard (two passes,
  :mod:`.selection`); with option ``term_rescoring`` the hotword-prompted decoding picks among its
  beam's n-best hypotheses with a bonus per token of complete hotword items (a token prefix trie,
  :mod:`.trie`: faster-whisper and CTranslate2 offer no logits hook to bias inside the search);
  the text is also spoken by several espeak-ng voices and fine-tuned on (option ``synthesize_text``,
  on by default for projects with little recorded audio, :mod:`.augment` and :mod:`.trainer`);
* pronunciations -> the spoken forms recognized in the output are rewritten to their display forms,
  in the text and the word list (:mod:`.display_forms`); display forms also lead the hotwords;
* audio + transcripts -> full fine-tuning of the Whisper weights on CPU with PyTorch
  (:mod:`.finetune`), read from and written back to CTranslate2 (:mod:`.checkpoint`), the
  checkpoint chosen by WER on held-out training clips, served again through faster-whisper int8.

The engine exposes the trainer contract of :mod:`tunefork.speech.customization`:
``train(base_model, data, parameters, output_dir, progress) -> TrainedComponents`` and
``load(artifact_dir, card) -> SpeechModel``. Options, ``engine_config`` keys and the artifact layout
are documented in :mod:`.trainer`.

Measurements (2 shared CPU cores, other jobs running; Whisper tiny.en int8, beam 5). Domain test:
20 sentences of ``tunefork/data/domain_sentences.txt`` (every 5th line) spoken by espeak-ng
``en-gb-scotland``, a voice never used for training; related text: the other 80 sentences;
pronunciations: ``domain_pronunciations.txt``; terms: ``domain_terms.txt``; general guard: 20
sentences of ``general_sentences.txt`` (every 4th line), same voice.

=====================================  ==========  ===========  ===========
model                                  domain WER  term recall  general WER
=====================================  ==========  ===========  ===========
base (custom decoding, no hotwords)      77.4%       24.3%        26.9%
+ display forms only                     77.4%       24.3%        26.9%
+ hotwords, 32 tokens (6 terms)          70.0%       29.7%        21.2%
+ hotwords, 64 tokens (13 terms)         57.1%       32.4%        23.6%
+ hotwords, 128 tokens (27 terms)        55.8%       35.1%        26.9%
+ hotwords, 223 tokens (48 terms)        48.8%       59.5%        25.0%
fine-tuned (64-token hw), no hotwords    38.2%       48.6%        15.6%
fine-tuned (64-token hw) + hotwords      28.6%       51.4%         9.9%
fine-tuned (223-token hw), no hotwords   46.1%       48.6%        24.1%
fine-tuned (223-token hw) + hotwords     22.1%       83.8%        27.4%
=====================================  ==========  ===========  ===========

The default hotwords cap is therefore 223 tokens (faster-whisper's own) for the base weights and 64
when fine-tuning: with the long list a fine-tuned model leaked domain words into general speech.
(These rows were measured with the former deterministic decoding, temperature 0 without
timestamps, which appended "Thank you." to short clips; models now decode with faster-whisper's
defaults, see :meth:`~tunefork.speech.whisper_engine.WhisperEngine.decode_options`.) Display forms
change nothing here because Whisper never writes the phonetic respellings of that file; they matter
for acronyms and spelled-out forms ("i n r" -> "INR"). The fine-tuned rows used 60 clips of the
related text in three other voices (``en-us``, ``en-gb-x-rp``, ``en-029``), 7 held out, default
options: about 40 s per epoch of 7 steps (batch 8, bf16) on idle cores, 150 s when the cores were
shared; 5 epochs plus 6 held-out evaluations took 524 s (held-out WER 37.5% -> 11.1%, epoch 4
chosen); the 223-token run hit the 540 s time budget after 31 steps (571 s in all, held-out WER
27.8% -> 2.8%). General WER falls too because the test voice is synthetic like the training
voices: expect less on human speech. With 20 + 20 clips (about 200 words each) differences under
about 5 points are within noise.
"""

from tunefork.speech.whisper_custom.trainer import WhisperOptions, load, train

ENGINE = "whisper"

__all__ = ["ENGINE", "WhisperOptions", "load", "train"]
