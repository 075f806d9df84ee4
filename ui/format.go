package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// fmtClock formats a clock time as "00:00:12.340".
func fmtClock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}

// fmtEventTime formats an event's time as seconds: "12.301".
func fmtEventTime(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// speedString formats a pace: "×1", "×0.25", "×max".
func speedString(s float64) string {
	if s == 0 {
		return "×max"
	}
	return "×" + strconv.FormatFloat(s, 'g', 4, 64)
}

// fmtDur formats a short duration for a table: "0.66s", "12ms", "28m",
// "1h05m", "—" for zero.
func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/1e3, 'f', 0, 64) + "µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 0, 64) + "ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// countdown formats the time left until due: "0.66s", "now" when due.
func countdown(due, now time.Duration) string {
	left := due - now
	if left <= 0 {
		return "now"
	}
	if left < time.Second {
		return strconv.FormatFloat(left.Seconds(), 'f', 3, 64) + "s"
	}
	return fmtDur(left)
}

// fmtBytes formats a byte count: "812 B", "9.1 KB", "3.2 MB".
func fmtBytes(n uint64) string {
	switch {
	case n < 1000:
		return strconv.FormatUint(n, 10) + " B"
	case n < 1000000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + " KB"
	case n < 1000000000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
	return strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64) + " GB"
}

// fmtCount formats a count: "96", "1.2k", "3.4M".
func fmtCount(n uint64) string {
	switch {
	case n < 1000:
		return strconv.FormatUint(n, 10)
	case n < 1000000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + "M"
}

var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// sparkline draws values as bars, scaled to their maximum; zeros are
// spaces' neighbour "▁" only when something else is not zero.
func sparkline(vals []uint64) string {
	var hi uint64
	for _, v := range vals {
		hi = max(hi, v)
	}
	var b strings.Builder
	for _, v := range vals {
		switch {
		case hi == 0 || v == 0:
			b.WriteRune('·')
		default:
			i := int((v*uint64(len(sparkRunes)-1) + hi - 1) / hi)
			b.WriteRune(sparkRunes[min(i, len(sparkRunes)-1)])
		}
	}
	return b.String()
}

// dash returns s, or "—" when s is empty.
func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// cut returns the cells [from, to) of s.
func cut(s string, from, to int) string {
	if to <= from {
		return ""
	}
	return ansi.Cut(s, from, to)
}

func ansiWidth(s string) int { return ansi.StringWidth(s) }
