# Короткие команды; `make help` — список.
.PHONY: help serve build test pdf pdf-tickets bench preview

help: ## список команд
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-12s %s\n", $$1, $$2}'

serve: ## сайт на http://127.0.0.1:8000; правка главы пересобирает только её
	mkdocs serve --dirty

build: ## строгая сборка в site/
	mkdocs build --strict

test: ## все тесты (как в CI)
	bash .ci/run

pdf: ## handbook.pdf — вся книга
	python scripts/pdf.py

pdf-tickets: ## handbook.pdf и pdf/ticket-*.pdf по билету
	python scripts/pdf.py --tickets

bench: ## замеры: сборка, пересборка при правке, вес страниц, PDF
	python scripts/bench.py
