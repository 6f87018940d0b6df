package bankgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/strata-metrics/strata/engine/duckdb"
)

// ---- transactions ----------------------------------------------------------

var (
	statusNames = boxed("posted", "reversed", "pending")
	statusPick  = cumulative(93, 4, 3)

	categoryNames = boxed("grocery", "dining", "transport", "online_retail", "utilities",
		"entertainment", "travel", "healthcare", "education", "transfer")
	categoryPick   = cumulative(20, 18, 10, 15, 6, 6, 5, 4, 3, 13)
	categoryMedian = []float64{120, 90, 35, 180, 260, 150, 1800, 300, 2500, 2000} // yuan
	categorySigma  = []float64{0.8, 0.7, 0.8, 1.0, 0.5, 0.9, 1.0, 1.0, 0.9, 1.4}

	channelIDs  = []any{int32(1), int32(2), int32(3), int32(4), int32(5)}
	channelPick = cumulative(45, 14, 6, 10, 25) // mobile, web, branch, atm, pos

	// Transactions by Asia/Shanghai local hour: busy days and evenings, a
	// tail past local midnight (UTC 16:00-24:00 is 00:00-08:00 local).
	txnHours = hourWeights([24]float64{
		4, 2.5, 1.5, 1, 1, 1.5, 3, 5.5, 7, 8, 8.5, 9,
		9.5, 8.5, 8, 8, 8, 8.5, 9, 9.5, 10, 10, 8.5, 6,
	})
)

const (
	categoryTransfer = 9
	channelMobile    = 0
	channelPOS       = 4
)

func (w *world) txnDayWeight(day int32) float64 {
	t := dayTime(day)
	x := 1 + 0.4*w.fractionThrough(day) // the bank grows
	switch t.Weekday() {
	case time.Friday:
		x *= 1.1
	case time.Saturday:
		x *= 0.85
	case time.Sunday:
		x *= 0.8
	}
	if t.Day() >= 25 {
		x *= 1.1 // payday spending
	}
	if holidays[day] {
		x *= 1.15
	}
	return x
}

// amountCents draws a transaction amount between 1 and 50,000 yuan.
func amountCents(r *rand.Rand, cat int) int64 {
	var x float64
	for range 8 {
		x = lognormal(r, categoryMedian[cat], categorySigma[cat])
		if x >= 1 && x <= 50_000 {
			break
		}
	}
	return int64(math.Round(min(max(x, 1), 50_000) * 100))
}

// pickAccount draws an account open on day among the first eligible ones.
func (w *world) pickAccount(r *rand.Rand, eligible int, day int32) int {
	i := w.acctCum.pickPrefix(r, eligible)
	for try := 0; try < 4; try++ {
		if c := w.accounts[i].close; c == 0 || c > day {
			break
		}
		i = w.acctCum.pickPrefix(r, eligible)
	}
	return i
}

func (w *world) fillTransactions(row func(...any) error) (int64, error) {
	r := newRand(w.seed, streamTransactions)
	counts := w.dailyCounts(r, w.n, w.txnDayWeight)
	vals := make([]any, 9)
	secs := make([]int32, 0, 2*w.n/len(counts)+16)
	var id int64
	eligible := 0
	for d, n := range counts {
		day := w.rangeStart + int32(d)
		for eligible < len(w.accounts) && w.accounts[eligible].open <= day {
			eligible++
		}
		secs = drawSeconds(r, secs[:0], n, txnHours)
		for _, s := range secs {
			id++
			ai := w.pickAccount(r, eligible, day)
			accountID, customerID := w.accountID(ai), w.customerID(int(w.accounts[ai].cust))
			if r.Float64() < 0.005 {
				accountID = w.orphanAccount(r)
			}
			if r.Float64() < 0.01 {
				customerID = w.orphanCustomer(r)
			}
			cat := categoryPick.pick(r)
			amount := amountCents(r, cat)
			if cat != categoryTransfer && r.Float64() < 0.015 {
				amount = -amount // refund
			}
			ch := channelPick.pick(r)
			if cat == categoryTransfer && ch == channelPOS {
				ch = channelMobile
			}
			ts := int64(day)*secondsPerDay + int64(s)
			valueDate := int32((ts + shanghaiShift) / secondsPerDay)
			if r.Float64() < 0.02 {
				valueDate++ // posted the next business day
			}
			vals[0] = id
			vals[1] = accountID
			vals[2] = customerID
			vals[3] = channelIDs[ch]
			vals[4] = duckdb.Decimal{Value: amount, Scale: 2}
			vals[5] = statusNames[statusPick.pick(r)]
			vals[6] = categoryNames[cat]
			vals[7] = time.Unix(ts, 0).UTC()
			vals[8] = dayTime(valueDate)
			if err := row(vals...); err != nil {
				return id, err
			}
		}
	}
	return id, nil
}

// ---- balances --------------------------------------------------------------

// activeDays is how many days of the fact range the account has a balance.
func (w *world) activeDays(a account) int32 {
	lo, hi := max(a.open, w.rangeStart), w.rangeEnd
	if a.close != 0 {
		hi = min(hi, a.close-1)
	}
	return max(0, hi-lo+1)
}

// balanceAccounts picks the accounts that have daily balances: enough for
// about n/2 rows, at least 20, including a few that close and a few that open
// within the range. The result is in account_id order.
func (w *world) balanceAccounts(r *rand.Rand) []int {
	budget := int64(w.n / 2)
	perm := r.Perm(len(w.accounts))
	var sel []int
	chosen := map[int]bool{}
	var rows int64
	add := func(i int) {
		sel = append(sel, i)
		chosen[i] = true
		rows += int64(w.activeDays(w.accounts[i]))
	}
	closers, openers := 0, 0
	for _, i := range perm {
		a := w.accounts[i]
		switch {
		case closers < 3 && a.close > w.rangeStart+30 && a.close <= w.rangeEnd && a.open <= w.rangeStart:
			closers++
			add(i)
		case openers < 3 && a.open > w.rangeStart+30 && a.close == 0:
			openers++
			add(i)
		}
		if closers == 3 && openers == 3 {
			break
		}
	}
	for _, i := range perm {
		if rows >= budget && len(sel) >= 20 {
			break
		}
		if !chosen[i] && w.activeDays(w.accounts[i]) > 0 {
			add(i)
		}
	}
	slices.Sort(sel)
	return sel
}

type balanceState struct {
	cents  int64 // balance in cents
	salary int64 // monthly inflow for current accounts, cents
}

func (w *world) fillBalances(row func(...any) error) (int64, error) {
	r := newRand(w.seed, streamBalances)
	sel := w.balanceAccounts(r)
	state := make([]balanceState, len(sel))
	for j, ai := range sel {
		a := w.accounts[ai]
		c := w.customers[a.cust]
		p := productList[a.product]
		x := lognormal(r, math.Abs(p.balance), 0.8)
		if p.balance < 0 {
			x = -x
		} else if p.kind != kindWealth {
			x *= segmentWealth[c.segment]
		}
		if a.open >= w.rangeStart && p.kind != kindLoan && p.kind != kindTimeDeposit {
			x *= 0.1 // new accounts start small
		}
		state[j] = balanceState{
			cents:  int64(math.Round(x * 100)),
			salary: int64(math.Round(lognormal(r, 12_000, 0.6)*segmentWealth[c.segment])) * 100,
		}
	}
	vals := make([]any, 4)
	var rows int64
	for day := w.rangeStart; day <= w.rangeEnd; day++ {
		dom := dayTime(day).Day()
		date := dayTime(day)
		for j, ai := range sel {
			a := w.accounts[ai]
			if a.open > day || (a.close != 0 && a.close <= day) {
				continue
			}
			st := &state[j]
			step(r, productList[a.product].kind, dom, st)
			vals[0] = w.accountID(ai)
			vals[1] = w.customerID(int(a.cust))
			vals[2] = date
			vals[3] = duckdb.Decimal{Value: st.cents, Scale: 2}
			rows++
			if err := row(vals...); err != nil {
				return rows, err
			}
		}
	}
	return rows, nil
}

// step moves a balance to the end of the next day.
func step(r *rand.Rand, kind productKind, dom int, st *balanceState) {
	b := float64(st.cents)
	switch kind {
	case kindCurrent:
		b -= float64(st.salary) / 30 * (0.5 + r.Float64()) // daily spending
		if r.Float64() < 0.3 {
			b += r.NormFloat64() * (0.03*math.Abs(b) + 50_000)
		}
		if dom == 10 {
			b += float64(st.salary)
		}
		b = max(b, 0)
	case kindSavings:
		if r.Float64() < 0.1 {
			b += r.NormFloat64() * 0.05 * b
		}
		if dom == 1 {
			b *= 1.001
		}
		b = max(b, 0)
	case kindTimeDeposit:
		if dom == 1 {
			b *= 1.0015
		}
	case kindCard:
		if r.Float64() < 0.6 {
			b -= lognormal(r, 20_000, 1) // cents
		}
		if dom == 5 {
			b *= 0.2 * r.Float64() // statement paid (mostly)
		}
		b = max(b, -10_000_000)
	case kindLoan:
		if dom == 15 {
			b *= 1 - 1.0/60
		}
	case kindWealth:
		b *= 1 + 0.0002 + 0.003*r.NormFloat64()
	}
	st.cents = int64(math.Round(b))
}

// ---- app_events ------------------------------------------------------------

var (
	eventNames = boxed("login", "view", "transfer", "purchase")
	eventPick  = cumulative(40, 35, 15, 10)
	devices    = boxed(deviceNames...)
	devicePick = cumulative(45, 40, 15)

	eventHours = hourWeights([24]float64{
		5, 3, 1.5, 1, 1, 1.5, 3, 6, 8, 7, 6, 6,
		8, 7, 6, 6, 6, 7, 8, 9, 11, 12, 11, 8,
	})
)

func (w *world) eventDayWeight(day int32) float64 {
	x := 1 + 0.8*w.fractionThrough(day) // app adoption grows faster
	switch dayTime(day).Weekday() {
	case time.Saturday, time.Sunday:
		x *= 1.1
	}
	return x
}

func (w *world) fillAppEvents(row func(...any) error) (int64, error) {
	r := newRand(w.seed, streamEvents)
	counts := w.dailyCounts(r, w.n/2, w.eventDayWeight)
	vals := make([]any, 5)
	secs := make([]int32, 0, w.n/len(counts)+16)
	var id int64
	eligible := 0
	for d, n := range counts {
		day := w.rangeStart + int32(d)
		for eligible < len(w.customers) && w.customers[eligible].joined <= day {
			eligible++
		}
		secs = drawSeconds(r, secs[:0], n, eventHours)
		for _, s := range secs {
			id++
			ci := w.custCum.pickPrefix(r, eligible)
			customerID := w.customerID(ci)
			device := int(w.customers[ci].device)
			if r.Float64() < 0.01 {
				customerID = w.orphanCustomer(r)
			}
			if r.Float64() < 0.15 {
				device = devicePick.pick(r)
			}
			vals[0] = id
			vals[1] = customerID
			vals[2] = eventNames[eventPick.pick(r)]
			vals[3] = devices[device]
			vals[4] = time.Unix(int64(day)*secondsPerDay+int64(s), 0).UTC()
			if err := row(vals...); err != nil {
				return id, err
			}
		}
	}
	return id, nil
}

// ---- dimensions --------------------------------------------------------------

func (w *world) fillCustomers(row func(...any) error) (int64, error) {
	for i, c := range w.customers {
		var segment any
		if c.segment != 0 {
			segment = segmentNames[c.segment]
		}
		gender := "M"
		if c.female {
			gender = "F"
		}
		err := row(w.customerID(i), c.branchID, segment, riskNames[c.risk], gender,
			dayTime(c.birth), duckdb.Decimal{Value: c.aum, Scale: 2}, dayTime(c.joined))
		if err != nil {
			return int64(i), err
		}
	}
	return int64(len(w.customers)), nil
}

func (w *world) fillAccounts(row func(...any) error) (int64, error) {
	for i, a := range w.accounts {
		status := "open"
		if a.close != 0 {
			status = "closed"
		}
		if err := row(w.accountID(i), w.customerID(int(a.cust)), int32(a.product)+1, dayTime(a.open), status); err != nil {
			return int64(i), err
		}
	}
	return int64(len(w.accounts)), nil
}

func (w *world) fillBranches(row func(...any) error) (int64, error) {
	for i, b := range branchList {
		if err := row(int32(i+1), b.name, b.city, b.region); err != nil {
			return int64(i), err
		}
	}
	return int64(len(branchList)), nil
}

func (w *world) fillProducts(row func(...any) error) (int64, error) {
	for i, p := range productList {
		if err := row(int32(i+1), p.name, p.category); err != nil {
			return int64(i), err
		}
	}
	return int64(len(productList)), nil
}

func (w *world) fillChannels(row func(...any) error) (int64, error) {
	for i, c := range channelList {
		if err := row(int32(i+1), c.name, c.kind); err != nil {
			return int64(i), err
		}
	}
	return int64(len(channelList)), nil
}

func (w *world) fillCalendar(row func(...any) error) (int64, error) {
	var n int64
	for day := w.calStart; day <= w.calEnd; day++ {
		t := dayTime(day)
		wd := t.Weekday()
		quarter := fmt.Sprintf("%dQ%d", t.Year(), (int(t.Month())+2)/3)
		if err := row(t, wd == time.Saturday || wd == time.Sunday, holidays[day], quarter); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
