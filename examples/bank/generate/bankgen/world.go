package bankgen

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Key ranges. Customer and account keys are far apart so that a join on the
// wrong key finds nothing instead of something plausible.
const (
	customerBase = 100_000   // customer_id = customerBase + 1, 2, ...
	accountBase  = 5_000_000 // account_id = accountBase + 1, 2, ...
)

// Days are counted from 1970-01-01 (the epoch DuckDB's DATE uses).

// DefaultMonths is the facts' span when Options.Months is zero: 2024-01 to
// 2025-06.
const DefaultMonths = 18

// MaxMonths is the longest span, as far as the holiday list reaches.
const MaxMonths = 36

// span is the days the data covers: the facts from rangeStart to rangeEnd
// (whole months from 2024-01-01), the calendar one month more on each side.
type span struct {
	rangeStart, rangeEnd int32 // first and last day of facts
	calStart, calEnd     int32
}

func newSpan(months int) span {
	return span{
		rangeStart: civil(2024, time.January, 1),
		rangeEnd:   civil(2024, time.Month(1+months), 1) - 1,
		calStart:   civil(2023, time.December, 1),
		calEnd:     civil(2024, time.Month(2+months), 1) - 1,
	}
}

const (
	secondsPerDay = 86400
	shanghaiShift = 8 * 3600 // Asia/Shanghai is UTC+8 all year
)

func civil(y int, m time.Month, d int) int32 {
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay)
}

// dayTime is midnight UTC of day, the form the appender takes for DATE.
func dayTime(day int32) time.Time { return time.Unix(int64(day)*secondsPerDay, 0).UTC() }

// Independent random streams, one per consumer, so tables can be generated
// concurrently and a change to one table's logic leaves the others' bytes
// alone.
const (
	streamCustomers uint64 = iota + 1
	streamAccounts
	streamTransactions
	streamBalances
	streamEvents
)

func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream*0x9e3779b97f4a7c15))
}

// weights is a cumulative distribution over a small set of choices.
type weights []float64

func cumulative(w ...float64) weights {
	c := make(weights, len(w))
	sum := 0.0
	for i, x := range w {
		sum += x
		c[i] = sum
	}
	return c
}

// pick draws an index; linear, for short lists.
func (c weights) pick(r *rand.Rand) int {
	u := r.Float64() * c[len(c)-1]
	for i, x := range c {
		if u < x {
			return i
		}
	}
	return len(c) - 1
}

// pickPrefix draws an index in [0, n) from a long cumulative list, by
// bisection. Entries with zero weight are never drawn while any other has
// weight.
func (c weights) pickPrefix(r *rand.Rand, n int) int {
	if n <= 0 {
		return 0
	}
	total := c[n-1]
	if total <= 0 {
		return r.IntN(n)
	}
	u := r.Float64() * total
	lo, hi := 0, n-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if c[mid] > u {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// boxed pre-converts constant strings to interface values, so rows reuse them
// instead of allocating per row.
func boxed(s ...string) []any {
	b := make([]any, len(s))
	for i, x := range s {
		b[i] = x
	}
	return b
}

// ---- Reference data ------------------------------------------------------

type branch struct {
	name, city, region string
	weight             float64
}

var branchList = func() []branch {
	cities := []struct {
		city, region string
		weight       float64
		districts    []string
	}{
		{"Shanghai", "East", 1.6, []string{"Lujiazui", "Jing'an", "Xuhui", "Hongqiao", "Zhangjiang", "Wujiaochang"}},
		{"Beijing", "North", 1.5, []string{"Guomao", "Zhongguancun", "Wangfujing", "Financial Street", "Wangjing", "Yizhuang"}},
		{"Shenzhen", "South", 1.4, []string{"Futian", "Nanshan", "Luohu", "Bao'an", "Longgang"}},
		{"Guangzhou", "South", 1.2, []string{"Tianhe", "Zhujiang New Town", "Yuexiu", "Panyu"}},
		{"Hangzhou", "East", 1.1, []string{"West Lake", "Binjiang", "Qianjiang New City"}},
		{"Chengdu", "West", 1.0, []string{"Chunxi Road", "Tianfu", "Jinjiang"}},
		{"Chongqing", "West", 0.9, []string{"Jiefangbei", "Yubei", "Shapingba"}},
		{"Nanjing", "East", 0.9, []string{"Xinjiekou", "Hexi"}},
		{"Tianjin", "North", 0.8, []string{"Binhai", "Heping"}},
		{"Xi'an", "West", 0.7, []string{"Bell Tower", "Gaoxin"}},
		{"Xiamen", "South", 0.7, []string{"Siming", "Huli"}},
		{"Shenyang", "North", 0.6, []string{"Zhongjie", "Hunnan"}},
	}
	var bs []branch
	for _, c := range cities {
		for i, d := range c.districts {
			// The first branch in a city is its flagship.
			w := c.weight
			if i == 0 {
				w *= 1.5
			}
			bs = append(bs, branch{name: c.city + " " + d, city: c.city, region: c.region, weight: w})
		}
	}
	if len(bs) != 40 {
		panic(fmt.Sprintf("bankgen: %d branches, want 40", len(bs)))
	}
	return bs
}()

type productKind int8

const (
	kindCurrent productKind = iota
	kindSavings
	kindTimeDeposit
	kindCard
	kindLoan
	kindWealth
)

type product struct {
	name, category string
	kind           productKind
	txnWeight      float64 // how often its accounts transact
	extraWeight    float64 // how often it is a customer's second or third account
	balance        float64 // median opening balance, yuan (negative: owed)
}

var productList = []product{
	{"Current Account", "deposit", kindCurrent, 3, 4, 8_000},
	{"Everyday Savings", "deposit", kindSavings, 0.8, 10, 30_000},
	{"Time Deposit 1Y", "deposit", kindTimeDeposit, 0.05, 8, 100_000},
	{"Time Deposit 3Y", "deposit", kindTimeDeposit, 0.05, 5, 200_000},
	{"Classic Card", "credit_card", kindCard, 2.5, 14, -3_000},
	{"Platinum Card", "credit_card", kindCard, 3.5, 8, -8_000},
	{"Travel Rewards Card", "credit_card", kindCard, 3, 6, -5_000},
	{"Mortgage", "loan", kindLoan, 0.15, 6, -1_200_000},
	{"Personal Loan", "loan", kindLoan, 0.15, 5, -80_000},
	{"Auto Loan", "loan", kindLoan, 0.15, 4, -150_000},
	{"Money Market Fund", "wealth", kindWealth, 0.2, 8, 150_000},
	{"Wealth Management Plan", "wealth", kindWealth, 0.1, 6, 500_000},
}

var channelList = []struct{ name, kind string }{
	{"mobile", "digital"}, {"web", "digital"}, {"branch", "physical"}, {"atm", "physical"}, {"pos", "physical"},
}

// Public holidays in mainland China in the calendar's span.
var holidays = func() map[int32]bool {
	h := map[int32]bool{}
	add := func(y int, m time.Month, d, days int) {
		for i := range days {
			h[civil(y, m, d)+int32(i)] = true
		}
	}
	add(2024, time.January, 1, 1)
	add(2024, time.February, 10, 8) // Spring Festival
	add(2024, time.April, 4, 3)     // Qingming
	add(2024, time.May, 1, 5)       // Labour Day
	add(2024, time.June, 10, 1)     // Dragon Boat
	add(2024, time.September, 15, 3)
	add(2024, time.October, 1, 7) // National Day
	add(2025, time.January, 1, 1)
	add(2025, time.January, 28, 8)
	add(2025, time.April, 4, 3)
	add(2025, time.May, 1, 5)
	add(2025, time.May, 31, 3)
	add(2025, time.October, 1, 8) // National Day and Mid-Autumn
	add(2026, time.January, 1, 3)
	add(2026, time.February, 15, 9)
	add(2026, time.April, 4, 3)
	add(2026, time.May, 1, 5)
	add(2026, time.June, 19, 3)
	add(2026, time.September, 25, 3)
	add(2026, time.October, 1, 7)
	add(2027, time.January, 1, 1)
	return h
}()

// Customer attributes. Index 0 of segments is the NULL segment.
var (
	segmentNames  = []string{"", "mass", "affluent", "private", "staff"}
	segmentPick   = cumulative(5, 70, 18, 3, 4)
	segmentAUM    = []float64{30_000, 30_000, 700_000, 6_000_000, 150_000} // median, yuan
	segmentSigma  = []float64{1.3, 1.3, 0.5, 0.7, 0.9}
	segmentActive = []float64{0.9, 1, 1.3, 1.1, 1.5}
	segmentWealth = []float64{1, 1, 6, 30, 2} // multiplies deposit balances
	riskNames     = []string{"low", "medium", "high"}
	riskPick      = cumulative(50, 35, 15)
	deviceNames   = []string{"ios", "android", "web"}
	deviceYoung   = cumulative(50, 40, 10)
	deviceOld     = cumulative(35, 40, 25)
)

// ---- The world: customers and accounts everything else refers to ---------

type customer struct {
	joined, birth int32
	branchID      int32
	segment       int8 // index into segmentNames; 0 is NULL
	risk          int8
	female        bool
	device        int8
	aum           int64 // cents
	activity      float64
}

type account struct {
	cust    int32 // index into customers
	product int8  // index into productList
	open    int32 // day
	close   int32 // day it closed, 0 if still open
}

type world struct {
	span
	n          int
	customers0 int // the requested number of customers; 0: sized from n
	seed       uint64
	customers  []customer // in customer_id order, which is joined_date order
	accounts   []account  // in account_id order, which is opened_date order
	acctCum    weights    // transaction weight, cumulative over accounts
	custCum    weights    // app-event weight, cumulative over customers
}

func newWorld(n, customers, months int, seed uint64) *world {
	w := &world{span: newSpan(months), n: n, customers0: customers, seed: seed}
	w.makeCustomers()
	w.makeAccounts()
	return w
}

func (w *world) customerID(i int) int64 { return customerBase + int64(i) + 1 }
func (w *world) accountID(i int) int64  { return accountBase + int64(i) + 1 }

// orphanCustomer returns a customer_id that is not in customers.
func (w *world) orphanCustomer(r *rand.Rand) int64 {
	return w.customerID(len(w.customers) + r.IntN(len(w.customers)/10+10))
}

// orphanAccount returns an account_id that is not in accounts.
func (w *world) orphanAccount(r *rand.Rand) int64 {
	return w.accountID(len(w.accounts) + r.IntN(len(w.accounts)/10+10))
}

func lognormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

func (w *world) makeCustomers() {
	r := newRand(w.seed, streamCustomers)
	n := max(500, w.n/50)
	if w.customers0 > 0 {
		n = w.customers0
	}
	early := civil(2008, time.January, 1)
	joined := make([]int32, n)
	for i := range joined {
		if r.Float64() < 0.15 {
			joined[i] = w.rangeStart + r.Int32N(w.rangeEnd-w.rangeStart+1)
		} else {
			// Skewed toward recent years.
			joined[i] = early + int32(float64(w.rangeStart-early)*math.Sqrt(r.Float64()))
		}
	}
	slices.Sort(joined)

	branchPick := make([]float64, len(branchList))
	for i, b := range branchList {
		branchPick[i] = b.weight
	}
	branchCum := cumulative(branchPick...)
	oldest, youngest := civil(1945, time.January, 1), civil(2005, time.December, 31)

	w.customers = make([]customer, n)
	w.custCum = make(weights, n)
	sum := 0.0
	for i := range w.customers {
		c := &w.customers[i]
		c.joined = joined[i]
		latest := min(youngest, c.joined-16*365) // at least 16 when joining
		c.birth = oldest + r.Int32N(latest-oldest+1)
		c.female = r.Float64() < 0.51
		c.segment = int8(segmentPick.pick(r))
		c.risk = int8(riskPick.pick(r))
		if c.segment == 3 && r.Float64() < 0.3 { // private bank clients take more risk
			c.risk = 2
		}
		if r.Float64() < 0.005 {
			c.branchID = 41 + r.Int32N(4) // a branch that does not exist
		} else {
			c.branchID = int32(branchCum.pick(r)) + 1
		}
		aum := lognormal(r, segmentAUM[c.segment], segmentSigma[c.segment])
		if r.Float64() < 0.03 {
			aum = 0 // dormant
		}
		c.aum = int64(math.Round(min(aum, 500_000_000) * 100))
		c.activity = math.Exp(0.9*r.NormFloat64()) * segmentActive[c.segment]
		if c.aum == 0 {
			c.activity *= 0.1
		}
		young := c.birth >= civil(1985, time.January, 1)
		if young {
			c.device = int8(deviceYoung.pick(r))
		} else {
			c.device = int8(deviceOld.pick(r))
		}
		digital := 1.0
		switch {
		case young:
			digital = 1.5
		case c.birth < civil(1965, time.January, 1):
			digital = 0.4
		}
		sum += c.activity * digital
		w.custCum[i] = sum
	}
}

func (w *world) makeAccounts() {
	r := newRand(w.seed, streamAccounts)
	extra := make([]float64, len(productList))
	for i, p := range productList {
		extra[i] = p.extraWeight
	}
	extraCum := cumulative(extra...)
	accts := make([]account, 0, len(w.customers)*3/2+16)
	for ci, c := range w.customers {
		k := 1
		if u := r.Float64(); u >= 0.9 {
			k = 3
		} else if u >= 0.6 {
			k = 2
		}
		for j := range k {
			a := account{cust: int32(ci), open: c.joined}
			if j == 0 {
				switch u := r.Float64(); {
				case u < 0.55:
					a.product = 0
				case u < 0.9:
					a.product = 1
				default:
					a.product = int8(extraCum.pick(r))
				}
			} else {
				a.open = c.joined + r.Int32N(w.rangeEnd-c.joined+1)
				a.product = int8(extraCum.pick(r))
			}
			if span := w.rangeEnd - a.open; span > 60 && r.Float64() < 0.07 {
				a.close = a.open + 30 + r.Int32N(span-30)
			}
			accts = append(accts, a)
		}
	}
	// Account numbers are issued in opening order.
	slices.SortStableFunc(accts, func(a, b account) int { return cmp.Compare(a.open, b.open) })
	w.accounts = accts

	w.acctCum = make(weights, len(accts))
	sum := 0.0
	for i, a := range accts {
		if a.close == 0 || a.close > w.rangeStart {
			sum += w.customers[a.cust].activity * productList[a.product].txnWeight
		}
		w.acctCum[i] = sum
	}
}

// dailyCounts spreads total rows over the fact range's days in proportion to
// weight(day), with a little day-to-day noise; the counts sum to total.
func (w *world) dailyCounts(r *rand.Rand, total int, weight func(day int32) float64) []int {
	days := int(w.rangeEnd - w.rangeStart + 1)
	cum := make([]float64, days)
	sum := 0.0
	for i := range cum {
		sum += weight(w.rangeStart+int32(i)) * math.Exp(0.06*r.NormFloat64())
		cum[i] = sum
	}
	counts := make([]int, days)
	prev := 0
	for i, c := range cum {
		next := int(math.Round(float64(total) * c / sum))
		counts[i] = next - prev
		prev = next
	}
	counts[days-1] += total - prev
	return counts
}

// hourWeights turns activity by Asia/Shanghai local hour into a distribution
// over UTC hours of the UTC day.
func hourWeights(local [24]float64) weights {
	var utc [24]float64
	for h, x := range local {
		utc[(h+24-8)%24] = x
	}
	return cumulative(utc[:]...)
}

// drawSeconds appends n sorted seconds-of-day drawn from hours.
func drawSeconds(r *rand.Rand, buf []int32, n int, hours weights) []int32 {
	for range n {
		buf = append(buf, int32(hours.pick(r))*3600+r.Int32N(3600))
	}
	slices.Sort(buf)
	return buf
}

func (w *world) fractionThrough(day int32) float64 {
	return float64(day-w.rangeStart) / float64(w.rangeEnd-w.rangeStart)
}
