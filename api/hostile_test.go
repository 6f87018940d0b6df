package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSingleFlightOutlivesItsFirstCaller: when the client whose request
// started a shared run disconnects, the identical requests waiting on that
// run still get their answer (from one engine query), not its cancellation.
func TestSingleFlightOutlivesItsFirstCaller(t *testing.T) {
	e := scopedServer(t)
	q := `{"metrics":["txn_amount"],"dimensions":["channels.name"],"where":"transactions.amount > 23"}`
	e.eng.delay.Store(int64(400 * time.Millisecond))
	defer e.eng.delay.Store(0)
	before := e.eng.queries.Load()

	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", e.url+"/v1/query", strings.NewReader(q))
		req.Header.Set("Authorization", "Bearer admin-token")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		first <- err
	}()
	time.Sleep(100 * time.Millisecond) // the first request's run is under way
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	answers := make([]answer, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, b := e.call(t, "admin-token", "POST", "/v1/query", q)
			statuses[i] = resp.StatusCode
			_ = json.Unmarshal(b, &answers[i])
		}()
	}
	time.Sleep(100 * time.Millisecond) // the others wait on the same run
	cancel()                           // the first client goes away
	if err := <-first; err == nil {
		t.Fatal("the first request was not cancelled")
	}
	wg.Wait()
	for i, st := range statuses {
		if st != 200 || len(answers[i].Rows) == 0 {
			t.Errorf("waiter %d: %d %+v, want the answer", i, st, answers[i].Error)
		}
	}
	if n := e.eng.queries.Load() - before; n != 1 {
		t.Errorf("engine queries %d, want 1", n)
	}

	// A request left alone by its client stops its run; the next identical
	// request starts afresh instead of inheriting the cancellation.
	q = `{"metrics":["txn_amount"],"dimensions":["channels.name"],"where":"transactions.amount > 29"}`
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", e.url+"/v1/query", strings.NewReader(q))
		req.Header.Set("Authorization", "Bearer admin-token")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		first <- err
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	<-first
	time.Sleep(50 * time.Millisecond) // the server has seen the disconnect
	if st, a := e.query(t, "admin-token", q); st != 200 || len(a.Rows) == 0 || a.Meta.Cached {
		t.Errorf("after the lone client left: %d cached=%v %+v, want a fresh answer", st, a.Meta.Cached, a.Error)
	}
}
