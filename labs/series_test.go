package labs

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// tuiPanels are the names of the TUI's panels, as a lab's description
// names them when it says what to watch.
var tuiPanels = []string{"Interfaces", "Timers", "Sockets", "ARP", "Routes", "DHCP", "Links", "Events", "Lab"}

// TestTeachingSeries checks the series: at least eight different
// built-in labs, each on the virtual clock (so that CI and a person see
// the same run), each with a description that says what to watch in
// which panel of the TUI, and with expectations of its own
// (run.TestTeachingSeriesCanFail shows that they can fail).
func TestTeachingSeries(t *testing.T) {
	series := TeachingSeries()
	if len(series) < 8 {
		t.Fatalf("the series has %d labs, want at least 8", len(series))
	}
	seen := map[string]bool{}
	for i, l := range series {
		if seen[l.Name] || l.Topic == "" {
			t.Errorf("lab %d: %+v (twice, or without a topic)", i+1, l)
		}
		seen[l.Name] = true
		lab, err := Builtin(l.Name)
		if err != nil {
			t.Errorf("lab %d: %v", i+1, err)
			continue
		}
		if lab.Clock != ClockVirtual {
			t.Errorf("%s runs on the %s clock", l.Name, lab.Clock)
		}
		if !slices.ContainsFunc(tuiPanels, func(p string) bool { return strings.Contains(lab.Description, p+" panel") }) {
			t.Errorf("%s's description names no TUI panel (%v)", l.Name, tuiPanels)
		}
		checks := 0 // expectations, and receives that fail when too little comes
		for _, s := range lab.Steps {
			switch s.Action.(type) {
			case *Expect, *Recv:
				checks++
			}
		}
		if checks < 3 {
			t.Errorf("%s has %d expectations, want at least 3", l.Name, checks)
		}
	}
	if s := TeachingSeries(); &s[0] == &series[0] {
		t.Error("TeachingSeries shares its slice between calls")
	}
}

// TestTeachingPage checks docs/teaching.md: a section per lab of the
// series, in its order, headed by its number, topic and name, each saying
// what the lab shows, what to watch and what to try.
func TestTeachingPage(t *testing.T) {
	doc, err := os.ReadFile("../docs/teaching.md")
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile("(?m)^## (\\d+)\\. .*: `([a-z0-9-]+)`$")
	sections := heading.FindAllStringSubmatchIndex(string(doc), -1)
	series := TeachingSeries()
	if len(sections) != len(series) {
		t.Fatalf("docs/teaching.md has %d lab sections, the series %d labs", len(sections), len(series))
	}
	for i, m := range sections {
		num, name := string(doc[m[2]:m[3]]), string(doc[m[4]:m[5]])
		if num != fmt.Sprint(i+1) || name != series[i].Name {
			t.Errorf("section %d is %s. %s, want %d. %s", i+1, num, name, i+1, series[i].Name)
		}
		end := len(doc)
		if i+1 < len(sections) {
			end = sections[i+1][0]
		}
		body := string(doc[m[1]:end])
		for _, part := range []string{"**What it shows.**", "**Watch.**", "**Try.**"} {
			if !strings.Contains(body, part) {
				t.Errorf("section %s lacks %s", name, part)
			}
		}
	}
}
