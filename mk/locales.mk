# Translation catalogs (Babel). Included from the main Makefile; see locales/README.md.
VENV ?= .venv
PYBABEL ?= $(VENV)/bin/pybabel
LOCALES_DIR ?= locales
LOCALES_POT ?= $(LOCALES_DIR)/messages.pot

.PHONY: locales-extract locales-update locales-compile locales-plural-forms

## Extract translatable strings from Python and Jinja templates into the template (.pot).
## Translator comments: `# NOTE: ...` in Python; `{# NOTE: ... #}` in Jinja, whose extractor
## wants the tag as a whole word, hence the second --add-comments.
locales-extract:
	$(PYBABEL) extract -F babel.cfg --add-comments=NOTE --add-comments=NOTE: -k _l \
		--project=Meridian --copyright-holder="Meridian contributors" \
		--sort-by-file --width=100 -o $(LOCALES_POT) .

## Merge the template into every <locale>/LC_MESSAGES/messages.po (no fuzzy guesses).
locales-update: locales-extract
	$(PYBABEL) update -i $(LOCALES_POT) -d $(LOCALES_DIR) -D messages \
		--no-fuzzy-matching --width=100

## Compile every catalog to .mo (not committed; also compiled on first use at run time).
locales-compile:
	$(PYBABEL) compile -d $(LOCALES_DIR) -D messages --statistics

## After a Babel upgrade with new CLDR plural rules: rewrite each catalog's Plural-Forms header
## and mark the plural entries whose forms changed fuzzy, for the translators to check.
locales-plural-forms:
	$(VENV)/bin/python -m service.i18n.plural_forms $(LOCALES_DIR)
