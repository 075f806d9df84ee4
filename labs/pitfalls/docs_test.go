package pitfalls

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// docsPath is the written explanation of the pitfalls.
const docsPath = "../../docs/pitfalls.md"

// docParts are the bold parts every pitfall's section has, in order.
var docParts = []string{"**What goes wrong.**", "**Why.**", "**What prevents it.**", "**lwIP and netlab.**"}

// docSection is one "## N. name — title" section of the page.
type docSection struct {
	heading string
	body    string // the lines after the heading, up to the next "## "
}

var numberedHeading = regexp.MustCompile(`^## [0-9]+\. `)

// pitfallSections returns the page's numbered sections, in order.
func pitfallSections(t *testing.T) []docSection {
	t.Helper()
	b, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	var out []docSection
	var cur *docSection
	var body []string
	flush := func() {
		if cur != nil {
			cur.body = strings.Join(body, "\n")
			out = append(out, *cur)
		}
		cur, body = nil, nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "## ") {
			flush()
			if numberedHeading.MatchString(line) {
				cur = &docSection{heading: line}
			}
			continue
		}
		if cur != nil {
			body = append(body, line)
		}
	}
	flush()
	return out
}

// TestDocsFollowThePitfalls: docs/pitfalls.md has one section per
// pitfall, in the order of All(), headed "## N. name — title" with the
// pitfall's number, name and title; each section has the four parts in
// order, states the pitfall's invariant (code spans aside), and says whether `--race` has a
// demonstration as HasRaceDemo does.
func TestDocsFollowThePitfalls(t *testing.T) {
	secs := pitfallSections(t)
	all := All()
	if len(secs) != len(all) {
		var hs []string
		for _, s := range secs {
			hs = append(hs, s.heading)
		}
		t.Fatalf("%s has %d numbered sections, want %d (one per pitfall):\n%s", docsPath, len(secs), len(all), strings.Join(hs, "\n"))
	}
	for i, p := range all {
		s := secs[i]
		if want := fmt.Sprintf("## %d. %s — %s", p.Number, p.Name, p.Title); s.heading != want {
			t.Errorf("section %d heading = %q, want %q", i+1, s.heading, want)
			continue
		}
		at := 0
		for _, part := range docParts {
			j := strings.Index(s.body[at:], part)
			if j < 0 {
				t.Errorf("%s: no %s (after the parts before it)", p.Name, part)
				break
			}
			at += j + len(part)
		}
		prose := strings.Join(strings.Fields(s.body), " ")
		if want := "Invariant: " + p.Invariant; !strings.Contains(strings.ReplaceAll(prose, "`", ""), want) {
			t.Errorf("%s: the section does not state the invariant %q", p.Name, want)
		}
		demo := fmt.Sprintf("`netlab pitfall %s --race` has a demonstration", p.Name)
		none := "no `--race` demonstration"
		switch hasDemo, saysDemo, saysNone := p.HasRaceDemo(), strings.Contains(prose, demo), strings.Contains(prose, none); {
		case hasDemo && (!saysDemo || saysNone):
			t.Errorf("%s has a race demonstration: the section must say %q", p.Name, demo)
		case !hasDemo && (!saysNone || saysDemo):
			t.Errorf("%s has no race demonstration: the section must say %q and why", p.Name, none)
		}
	}
}
