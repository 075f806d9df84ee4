package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every key binding of the TUI, in one place. Global keys work
// from any panel; a panel's keys go to the focused panel first.
type KeyMap struct {
	// Global.
	Quit, Help, NextPanel, PrevPanel, PrevNode, NextNode, Node key.Binding
	Pause, Step, Faster, Slower, Rerun, Ping                   key.Binding

	// Every list.
	Up, Down, PageUp, PageDown, Top, Bottom, Filter, Clear key.Binding

	// Interfaces, routes, sockets: add and remove the selected row.
	Add, Remove key.Binding
	// Interfaces.
	Address, MTU, AdminToggle, LinkToggle, Forwarding key.Binding
	// Interfaces: the selected interface's DHCP client.
	DHCPStart, DHCPStop, DHCPRelease, DHCPRenew, DHCPInform key.Binding
	// DHCP: the node's servers.
	ServerStart, ServerStop key.Binding
	// Sockets: bind, connect and send on the selected socket; open a TCP
	// listener or connection; reset the selected TCP connection.
	Bind, Connect, Send, Listen, Dial, Reset key.Binding
	// Links: change the selected link's impairments; start or stop its
	// capture.
	Impair, Capture key.Binding
	// Events.
	PauseLog, Detail key.Binding

	// Forms.
	Submit, Cancel, NextField, PrevField key.Binding

	// Pitfalls opens the Pitfalls view. In it: pick a pitfall, move the
	// cursor through the interleaving's steps, flip between the unsafe
	// and the safe version, go back to the lab.
	Pitfalls, PitfallPick                   key.Binding
	StepNext, StepPrev, StepFirst, StepLast key.Binding
	FlipSafe, ClosePitfalls                 key.Binding
}

// DefaultKeyMap returns the TUI's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, help string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, help))
	}
	return KeyMap{
		Quit:      b([]string{"q", "ctrl+c"}, "q", "quit"),
		Help:      b([]string{"?"}, "?", "all keys"),
		NextPanel: b([]string{"tab"}, "tab", "next panel"),
		PrevPanel: b([]string{"shift+tab"}, "shift+tab", "previous panel"),
		PrevNode:  b([]string{"left"}, "←", "previous node"),
		NextNode:  b([]string{"right"}, "→", "next node"),
		Node:      b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1-9", "node"),
		Pause:     b([]string{"space", "P"}, "space/P", "pause/resume clock"),
		Step:      b([]string{"."}, ".", "step clock"),
		Faster:    b([]string{"+", "="}, "+", "faster"),
		Slower:    b([]string{"-"}, "-", "slower"),
		Rerun:     b([]string{"R"}, "R", "rerun lab"),
		Ping:      b([]string{"p"}, "p", "ping"),

		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown"}, "pgdn", "page down"),
		Top:      b([]string{"home", "g"}, "g", "top"),
		Bottom:   b([]string{"end", "G"}, "G", "bottom"),
		Filter:   b([]string{"/"}, "/", "filter"),
		Clear:    b([]string{"esc"}, "esc", "clear filter"),

		Add:         b([]string{"a"}, "a", "add"),
		Remove:      b([]string{"x"}, "x", "remove"),
		Address:     b([]string{"e"}, "e", "set address"),
		MTU:         b([]string{"m"}, "m", "set MTU"),
		AdminToggle: b([]string{"u"}, "u", "admin up/down"),
		LinkToggle:  b([]string{"l"}, "l", "link up/down"),
		Forwarding:  b([]string{"f"}, "f", "forwarding on/off"),

		DHCPStart:   b([]string{"h"}, "h", "dhcp start"),
		DHCPStop:    b([]string{"H"}, "H", "dhcp stop"),
		DHCPRenew:   b([]string{"r"}, "r", "dhcp renew"),
		DHCPRelease: b([]string{"D"}, "D", "dhcp release"),
		DHCPInform:  b([]string{"i"}, "i", "dhcp inform"),

		ServerStart: b([]string{"s"}, "s", "start server"),
		ServerStop:  b([]string{"S"}, "S", "stop server"),

		Bind:    b([]string{"b"}, "b", "bind"),
		Connect: b([]string{"c"}, "c", "connect"),
		Send:    b([]string{"s"}, "s", "send"),
		Listen:  b([]string{"l"}, "l", "tcp listen"),
		Dial:    b([]string{"o"}, "o", "tcp connect"),
		Reset:   b([]string{"X"}, "X", "reset (RST)"),

		Impair:  b([]string{"i", "enter"}, "i/enter", "impair"),
		Capture: b([]string{"c"}, "c", "capture start/stop"),

		PauseLog: b([]string{"space"}, "space", "pause log"),
		Detail:   b([]string{"enter"}, "enter", "packet detail"),

		Submit:    b([]string{"enter"}, "enter", "submit"),
		Cancel:    b([]string{"esc"}, "esc", "cancel"),
		NextField: b([]string{"tab", "down"}, "tab", "next field"),
		PrevField: b([]string{"shift+tab", "up"}, "shift+tab", "previous field"),

		Pitfalls:      b([]string{"!"}, "!", "pitfalls"),
		PitfallPick:   b([]string{"up", "down", "k", "j", "1", "2", "3", "4", "5", "6", "7"}, "↑/↓/1-7", "pick pitfall"),
		StepNext:      b([]string{"right", "l", "n", "space"}, "→/n", "next step"),
		StepPrev:      b([]string{"left", "h", "b"}, "←/b", "previous step"),
		StepFirst:     b([]string{"home", "g"}, "g", "first step"),
		StepLast:      b([]string{"end", "G"}, "G", "last step"),
		FlipSafe:      b([]string{"s"}, "s", "unsafe/safe"),
		ClosePitfalls: b([]string{"esc", "!"}, "esc/!", "back to the lab"),
	}
}

// listKeys are the keys every list panel takes.
func (k KeyMap) listKeys() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Filter, k.Clear}
}

// globalKeys are the keys that work from any panel.
func (k KeyMap) globalKeys() []key.Binding {
	return []key.Binding{k.NextPanel, k.PrevPanel, k.PrevNode, k.NextNode, k.Node, k.Ping,
		k.Pause, k.Step, k.Faster, k.Slower, k.Rerun, k.Pitfalls, k.Help, k.Quit}
}
