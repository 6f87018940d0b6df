package ssbgen

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Days are indexes from 1992-01-01; the date table has dateRows of them
// (through 1998-12-30, as SSB's dbgen writes it) and orders fall on the first
// orderDays (through 1998-08-02: TPC-H's end date minus 151 days).
var (
	firstDay  = time.Date(1992, time.January, 1, 0, 0, 0, 0, time.UTC)
	orderDays = int(time.Date(1998, time.August, 2, 0, 0, 0, 0, time.UTC).Sub(firstDay).Hours()/24) + 1
)

const dateRows = 2556

// Commit dates are 30 to 90 days after the order date.
const (
	commitMin = 30
	commitMax = 90
)

// Independent random streams, so that tables and chunks can be generated
// concurrently and a change to one table's logic leaves the others alone.
const (
	streamCustomer uint64 = iota + 1
	streamSupplier
	streamPart
	streamLineorder // + chunk index
)

func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream*0x9e3779b97f4a7c15))
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

// nations are TPC-H's 25, in nation-key order, with their regions.
var nations = []struct{ name, region string }{
	{"ALGERIA", "AFRICA"}, {"ARGENTINA", "AMERICA"}, {"BRAZIL", "AMERICA"}, {"CANADA", "AMERICA"},
	{"EGYPT", "MIDDLE EAST"}, {"ETHIOPIA", "AFRICA"}, {"FRANCE", "EUROPE"}, {"GERMANY", "EUROPE"},
	{"INDIA", "ASIA"}, {"INDONESIA", "ASIA"}, {"IRAN", "MIDDLE EAST"}, {"IRAQ", "MIDDLE EAST"},
	{"JAPAN", "ASIA"}, {"JORDAN", "MIDDLE EAST"}, {"KENYA", "AFRICA"}, {"MOROCCO", "AFRICA"},
	{"MOZAMBIQUE", "AFRICA"}, {"PERU", "AMERICA"}, {"CHINA", "ASIA"}, {"ROMANIA", "EUROPE"},
	{"SAUDI ARABIA", "MIDDLE EAST"}, {"VIETNAM", "ASIA"}, {"RUSSIA", "EUROPE"},
	{"UNITED KINGDOM", "EUROPE"}, {"UNITED STATES", "AMERICA"},
}

var (
	nationNames = func() []any {
		out := make([]any, len(nations))
		for i, n := range nations {
			out[i] = n.name
		}
		return out
	}()
	regionNames = func() []any {
		out := make([]any, len(nations))
		for i, n := range nations {
			out[i] = n.region
		}
		return out
	}()
	// cityNames[nation*10+digit]: the nation's name cut or padded to nine
	// characters, then the digit.
	cityNames = func() []any {
		out := make([]any, 0, 10*len(nations))
		for _, n := range nations {
			for d := range 10 {
				out = append(out, fmt.Sprintf("%-9.9s%d", n.name, d))
			}
		}
		return out
	}()

	segments     = boxed("AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD")
	priorities   = boxed("1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECI", "5-LOW")
	shipModes    = boxed("REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB")
	typeSyl1     = []string{"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"}
	typeSyl2     = []string{"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"}
	typeSyl3     = []string{"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"}
	containerSyl = [2][]string{{"SM", "LG", "MED", "JUMBO", "WRAP"}, {"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"}}
	colors       = []string{
		"almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue",
		"blush", "brown", "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral",
		"cornflower", "cornsilk", "cream", "cyan", "dark", "deep", "dim", "dodger", "drab", "firebrick",
		"floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod", "green", "grey", "honeydew",
		"hot", "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon", "light", "lime", "linen",
		"magenta", "maroon", "medium", "metallic", "midnight", "mint", "misty", "moccasin", "navajo",
		"navy", "olive", "orange", "orchid", "pale", "papaya", "peach", "peru", "pink", "plum", "powder",
		"puff", "purple", "red", "rose", "rosy", "royal", "saddle", "salmon", "sandy", "seashell",
		"sienna", "sky", "slate", "smoke", "snow", "spring", "steel", "tan", "thistle", "tomato",
		"turquoise", "violet", "wheat", "white", "yellow",
	}

	// Small integers and days, boxed once.
	smallInts = func() []any {
		out := make([]any, 101)
		for i := range out {
			out[i] = int32(i)
		}
		return out
	}()
	days = func() []any {
		out := make([]any, dateRows)
		for i := range out {
			out[i] = firstDay.AddDate(0, 0, i)
		}
		return out
	}()
)

const addressChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,. "

func address(r *rand.Rand) string {
	b := make([]byte, 10+r.IntN(16))
	for i := range b {
		b[i] = addressChars[r.IntN(len(addressChars))]
	}
	return string(b)
}

func phone(r *rand.Rand, nation int) string {
	return fmt.Sprintf("%02d-%03d-%03d-%04d", nation+10, 100+r.IntN(900), 100+r.IntN(900), 1000+r.IntN(9000))
}

// partPrice is TPC-H's p_retailprice in cents for a part key.
func partPrice(key int64) int64 {
	return 90000 + (key/10)%20001 + 100*(key%1000)
}

// gen holds what every table's generation shares.
type gen struct {
	sizes Sizes
	seed  uint64
}

func newGen(s Sizes, seed uint64) *gen { return &gen{sizes: s, seed: seed} }

func (g *gen) fillCustomer(row func(...any) error) (int64, error) {
	r := newRand(g.seed, streamCustomer)
	for k := int64(1); k <= g.sizes.Customer; k++ {
		n := r.IntN(len(nations))
		city := n*10 + r.IntN(10)
		err := row(int32(k), fmt.Sprintf("Customer#%09d", k), address(r), cityNames[city],
			nationNames[n], regionNames[n], phone(r, n), segments[r.IntN(len(segments))])
		if err != nil {
			return k - 1, err
		}
	}
	return g.sizes.Customer, nil
}

func (g *gen) fillSupplier(row func(...any) error) (int64, error) {
	r := newRand(g.seed, streamSupplier)
	for k := int64(1); k <= g.sizes.Supplier; k++ {
		n := r.IntN(len(nations))
		city := n*10 + r.IntN(10)
		err := row(int32(k), fmt.Sprintf("Supplier#%09d", k), address(r), cityNames[city],
			nationNames[n], regionNames[n], phone(r, n))
		if err != nil {
			return k - 1, err
		}
	}
	return g.sizes.Supplier, nil
}

func (g *gen) fillPart(row func(...any) error) (int64, error) {
	r := newRand(g.seed, streamPart)
	for k := int64(1); k <= g.sizes.Part; k++ {
		c1 := r.IntN(len(colors))
		c2 := (c1 + 1 + r.IntN(len(colors)-1)) % len(colors)
		m := 1 + r.IntN(5)
		c := 1 + r.IntN(5)
		b := 1 + r.IntN(40)
		err := row(int32(k), colors[c1]+" "+colors[c2],
			fmt.Sprintf("MFGR#%d", m), fmt.Sprintf("MFGR#%d%d", m, c), fmt.Sprintf("MFGR#%d%d%02d", m, c, b),
			colors[r.IntN(len(colors))],
			typeSyl1[r.IntN(len(typeSyl1))]+" "+typeSyl2[r.IntN(len(typeSyl2))]+" "+typeSyl3[r.IntN(len(typeSyl3))],
			smallInts[1+r.IntN(50)],
			containerSyl[0][r.IntN(len(containerSyl[0]))]+" "+containerSyl[1][r.IntN(len(containerSyl[1]))])
		if err != nil {
			return k - 1, err
		}
	}
	return g.sizes.Part, nil
}

var (
	weekdays   = boxed("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
	monthNames = boxed("January", "February", "March", "April", "May", "June", "July", "August",
		"September", "October", "November", "December")
	// seasons by month (index 0 = January).
	seasons = boxed("Winter", "Winter", "Spring", "Spring", "Spring", "Summer", "Summer", "Summer",
		"Fall", "Fall", "Fall", "Christmas")
)

// holiday marks the days dbgen's calendar flags: New Year's Day, Memorial Day
// (last Monday of May), Independence Day, Labor Day (first Monday of
// September), Thanksgiving (fourth Thursday of November) and Christmas.
func holiday(t time.Time) bool {
	m, d, wd := t.Month(), t.Day(), t.Weekday()
	switch {
	case m == time.January && d == 1, m == time.July && d == 4, m == time.December && d == 25:
		return true
	case m == time.May && wd == time.Monday && d > 24:
		return true
	case m == time.September && wd == time.Monday && d <= 7:
		return true
	case m == time.November && wd == time.Thursday && d > 21 && d <= 28:
		return true
	}
	return false
}

func (g *gen) fillDate(row func(...any) error) (int64, error) {
	for i := range dateRows {
		t := days[i].(time.Time)
		y, m, d := t.Date()
		wd := int(t.Weekday())
		doy := t.YearDay()
		err := row(days[i],
			fmt.Sprintf("%s %d, %d", m, d, y), weekdays[wd], monthNames[m-1],
			int32(y), int32(y*100+int(m)), fmt.Sprintf("%.3s%d", m, y),
			smallInts[wd+1], smallInts[d], int32(doy), smallInts[int(m)], smallInts[(doy-1)/7+1],
			seasons[m-1], wd == int(time.Saturday), t.AddDate(0, 0, 1).Day() == 1,
			holiday(t), wd != int(time.Saturday) && wd != int(time.Sunday))
		if err != nil {
			return int64(i), err
		}
	}
	return dateRows, nil
}

// line is one order line before it is written (the order's total price needs
// all of its lines).
type line struct {
	part, supp             int64
	qty, disc, tax, commit int
	ext, rev, cost         int64
	shipMode               int
}

// lineorderChunk fills the rows [k×chunkRows, (k+1)×chunkRows) of lineorder.
// Orders have 1 to 7 lines; the chunk's last order is cut at the chunk's end.
// Order keys are the chunk's first row number plus the order's index in the
// chunk, so they are unique across chunks.
func (g *gen) lineorderChunk(k int) func(row func(...any) error) (int64, error) {
	return func(row func(...any) error) (int64, error) {
		r := newRand(g.seed, streamLineorder+uint64(k))
		first := int64(k) * chunkRows
		n := min(chunkRows, g.sizes.Lineorder-first)
		var lines [7]line
		var done int64
		orderKey := first
		for done < n {
			orderKey++
			nl := int64(1 + r.IntN(7))
			nl = min(nl, n-done)
			cust := int32(1 + r.Int64N(g.sizes.Customer))
			day := r.IntN(orderDays)
			prio := priorities[r.IntN(len(priorities))]
			var total int64
			for i := range nl {
				l := &lines[i]
				l.part = 1 + r.Int64N(g.sizes.Part)
				l.supp = 1 + r.Int64N(g.sizes.Supplier)
				l.qty = 1 + r.IntN(50)
				l.disc = r.IntN(11)
				l.tax = r.IntN(9)
				l.commit = day + commitMin + r.IntN(commitMax-commitMin+1)
				l.shipMode = r.IntN(len(shipModes))
				price := partPrice(l.part)
				l.ext = int64(l.qty) * price
				l.rev = l.ext * int64(100-l.disc) / 100
				l.cost = 6 * price / 10
				total += l.rev * int64(100+l.tax) / 100
			}
			for i := range nl {
				l := &lines[i]
				err := row(orderKey, smallInts[i+1], cust, int32(l.part), int32(l.supp), days[day],
					prio, smallInts[0], smallInts[l.qty], l.ext, total, smallInts[l.disc],
					l.rev, l.cost, smallInts[l.tax], days[l.commit], shipModes[l.shipMode])
				if err != nil {
					return done, err
				}
				done++
			}
		}
		return done, nil
	}
}
