package pitfalls

import (
	"reflect"
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  []string
	}{
		{"", 10, []string{""}},
		{"read netif list", 20, []string{"read netif list"}},
		{"read the next netif index", 10, []string{"read the", "next netif", "index"}},
		{"x abcdefghijkl y", 5, []string{"x", "abcde", "fghij", "kl y"}},
	} {
		if got := Wrap(tc.in, tc.width); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

// TestColumns: each step's lines sit in its actor's column, wrapped to
// the column's width, numbered on their first line.
func TestColumns(t *testing.T) {
	il := &Interleaving{Steps: []Step{
		{Actor: 1, Name: "tcpip", Did: []string{"turn"}, Reached: "idle"},
		{Actor: 0, Name: "app", Did: []string{"RemoveNetif(eth0) = ok, and a long note that wraps"}, Reached: "finished"},
	}}
	got := il.Columns(60)
	want := "" +
		"step  app" + sp(25) + "tcpip\n" +
		"      ─────" + sp(23) + "─────\n" +
		"1" + sp(33) + "turn\n" +
		sp(34) + "→ idle\n" +
		"2     RemoveNetif(eth0) = ok,\n" +
		"        and a long note that\n" +
		"        wraps\n" +
		"      → finished\n"
	if got != want {
		t.Errorf("Columns(60) =\n%s\nwant\n%s", got, want)
	}
	if names := il.ActorNames(); !reflect.DeepEqual(names, []string{"app", "tcpip"}) {
		t.Errorf("ActorNames() = %q", names)
	}
	for _, l := range strings.Split(got, "\n") {
		if strings.TrimRight(l, " ") != l {
			t.Errorf("trailing spaces: %q", l)
		}
	}
}

func sp(n int) string { return strings.Repeat(" ", n) }
