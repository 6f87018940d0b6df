# Strata — the two commands are `make demo` (set up and run the example) and `make test`.
GO        ?= go
GOFLAGS   ?= -trimpath
BIN       := bin/strata
BANK      := examples/bank
TXNS      ?= 1000000

.PHONY: all build demo data test fuzz bench bench-cdp bench-ssb clean web

all: build

build:
	$(GO) build $(GOFLAGS) -o $(BIN) ./cmd/strata

# The main job on the embedded engine: build, generate the example bank's data,
# validate and describe the model, build the rollups, answer queries.
demo: build
	@test -f $(BANK)/data/transactions.parquet || $(GO) run $(GOFLAGS) ./examples/bank/generate -out $(BANK)/data -transactions $(TXNS)
	$(BIN) validate --project $(BANK)
	$(BIN) describe --project $(BANK) transactions
	$(BIN) refresh --project $(BANK)
	$(BIN) query --project $(BANK) -m txn_amount,active_customers,avg_ticket -d customers.segment --order -txn_amount
	$(BIN) query --project $(BANK) -m txn_amount,txn_amount_mom -d transactions.txn_time.month --where "transactions.txn_time >= '2025-01-01' AND transactions.txn_time < '2025-07-01'"
	$(BIN) query --project $(BANK) -m total_balance -d balances.snapshot_date.quarter,branches.region --limit 8
	$(BIN) explain --project $(BANK) -m txn_amount,txn_count -d channels.name,transactions.txn_time.month

# The explorer page: rebuild web/dist from web/src (needs Node and npm; the
# built bundle is committed, so build, demo and test do not).
web:
	cd web && npm ci --no-audit --no-fund && node build.mjs

data:
	$(GO) run $(GOFLAGS) ./examples/bank/generate -out $(BANK)/data -transactions $(TXNS)

test:
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(GO) test $(GOFLAGS) -count=1 ./...
	$(MAKE) fuzz

# Bounded fuzzing of the two decoders of user input (the model loader and the
# query JSON decoder), some seconds each; inputs that fail are kept under
# testdata/fuzz and rerun by every plain `go test`. The bound is a count of
# executions, not a duration: a duration-bounded run can fail with "context
# deadline exceeded" and no failing input when the machine is busy (a race in
# Go's fuzzing coordinator at the deadline).
FUZZ_LOAD  ?= 5000x
FUZZ_QUERY ?= 20000x
fuzz:
	$(GO) test $(GOFLAGS) -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZ_LOAD) -fuzzminimizetime 100x ./model/
	$(GO) test $(GOFLAGS) -run '^$$' -fuzz '^FuzzDecodeQuery$$' -fuzztime $(FUZZ_QUERY) -fuzzminimizetime 100x ./compiler/plan/

SF ?= 1

# Audience benchmarks: 50 tags over STRATA_CDP_BENCH_CUSTOMERS customers
# (default 1M; data cached under .strata/bench), beside hand-written DuckDB SQL.
bench-cdp:
	$(GO) test $(GOFLAGS) -run '^$$' -bench Audience -benchtime 5x -timeout 0 ./service/

# Go benchmarks: model load, compile, raw path vs DuckDB, rollups vs raw
# (STRATA_BENCH_TXNS sets the bank's size; data is cached under .strata/bench).
bench:
	$(GO) test $(GOFLAGS) -run '^$$' -bench . -benchtime 5x ./model/ ./compiler/ ./materializer/...

# The DataAPI under load: 16 clients on a loopback listener, without and with
# the result cache (LOAD_SECONDS per run).
LOAD_SECONDS ?= 30
bench-load:
	STRATA_LOAD_SECONDS=$(LOAD_SECONDS) $(GO) test $(GOFLAGS) -run '^$$' -bench HTTPLoad -benchtime 1x -v ./api/

# The Star Schema Benchmark side by side with DuckDB (see BENCHMARKS.md).
bench-ssb:
	$(GO) run $(GOFLAGS) ./examples/ssb/bench -sf $(SF) -json .strata/bench/ssb-sf$(SF).json

clean:
	rm -rf bin $(BANK)/data $(BANK)/.strata examples/ssb/data examples/ssb/.strata .strata
