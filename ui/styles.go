package ui

import (
	"charm.land/lipgloss/v2"
)

// Styles are every style of the TUI, in one place. Colours carry meaning
// (state ok, warning, error, a fresh change, the focused panel); every
// meaning is also written in words or symbols, so that the screen reads
// the same with NO_COLOR or on a monochrome terminal.
type Styles struct {
	// Title styles the lab's name in the header; Clock the clock.
	Title, Clock lipgloss.Style
	// Tab and ActiveTab style the node tabs.
	Tab, ActiveTab lipgloss.Style
	// Border and FocusBorder colour the panels' frames; PanelTitle and
	// FocusTitle their titles.
	Border, FocusBorder    lipgloss.Style
	PanelTitle, FocusTitle lipgloss.Style
	// Header styles a table's column names.
	Header lipgloss.Style
	// Selected styles the selected row of the focused panel.
	Selected lipgloss.Style
	// OK, Warn and Err say how a state is: up, degraded, failed.
	OK, Warn, Err lipgloss.Style
	// Fresh marks what changed since the last tick (a timer that fired).
	Fresh lipgloss.Style
	// Dim is for secondary text: units, placeholders, "—".
	Dim lipgloss.Style
	// Status styles the status line; Help the help bar.
	Status, Help lipgloss.Style
	// FormBox frames a form; Error a form's validation error.
	FormBox lipgloss.Style
}

// NewStyles returns the TUI's styles; with color false, no style sets a
// colour (attributes such as bold remain), for NO_COLOR and golden tests.
func NewStyles(color bool) Styles {
	c := func(s lipgloss.Style, col string) lipgloss.Style {
		if !color {
			return s
		}
		return s.Foreground(lipgloss.Color(col))
	}
	base := lipgloss.NewStyle()
	return Styles{
		Title:       c(base.Bold(true), "#7aa2f7"),
		Clock:       c(base, "#e0af68"),
		Tab:         c(base, "#787c99"),
		ActiveTab:   c(base.Bold(true), "#7aa2f7"),
		Border:      c(base, "#3b4261"),
		FocusBorder: c(base, "#7aa2f7"),
		PanelTitle:  c(base, "#a9b1d6"),
		FocusTitle:  c(base.Bold(true), "#7aa2f7"),
		Header:      c(base.Bold(true), "#a9b1d6"),
		Selected:    base.Reverse(true),
		OK:          c(base, "#9ece6a"),
		Warn:        c(base, "#e0af68"),
		Err:         c(base.Bold(true), "#f7768e"),
		Fresh:       c(base.Bold(true), "#ff9e64"),
		Dim:         c(base, "#787c99"),
		Status:      base,
		Help:        c(base, "#787c99"),
		FormBox:     c(base, "#7aa2f7"),
	}
}
