// Automatic layout on Grafana's 24-column grid: panels flow left to right inside titled rows and
// wrap when a line is full, so positions never overlap and no gridPos is written by hand.
//
// Panel ids come from keys, never from positions: a panel's id is a hash of its key (its field
// name in the library, see panels.keyed), a row's of its title. Inserting, removing or moving a
// panel changes no other panel's id, so `viewPanel=` links and alert links keep their panel.
local panels = import 'panels.libsonnet';

local gridWidth = 24;
local keyField = panels.keyField;

// The Grafana id of `key`: 7 digits from its MD5, the same in every dashboard and on every
// machine (tests/test_dashboards_ids.py computes it the same way).
local idOf(key) = 1000000 + std.parseHex(std.substr(std.md5(key), 0, 6)) % 9000000;
local rowKey(title) = 'row:' + title;

// Jsonnet is lazy: a state whose fields still waited on the previous state's would make one chain
// of thunks as long as the dashboard, read at the end in one deep recursion (a stack overflow
// above a few hundred panels). Each state is evaluated when it is made, so the depth stays flat;
// its fields are locals, which both engines evaluate once.
local strict(state) =
  if std.length(state.panels) >= 0 && state.x + state.y + state.lineHeight >= 0 then state
  else error 'layout: negative position';

// `where` names the row, so a mistake in a dashboard's list is reported where it was made.
local place(where, item, state, panel) =
  assert std.isObject(panel) && std.objectHas(panel, 'gridPos') :
         'layout: row %s: item %d is a %s, not a panel (a platform function used without its arguments?)'
         % [where, item, std.type(panel)];
  assert panel.gridPos.w <= gridWidth :
         'layout: row %s: panel %s is %d columns wide; the grid has %d'
         % [where, std.toString(panel.title), panel.gridPos.w, gridWidth];
  assert std.objectHas(panel, keyField) :
         'layout: row %s: panel %s has no key (library panels are keyed by their field name; give '
         % [where, std.toString(panel.title)]
         + "your own panel one with `+ lt.panels.withKey('...')`)";
  local w = panel.gridPos.w, h = panel.gridPos.h;
  local wrap = state.x + w > gridWidth;
  local x = if wrap then 0 else state.x;
  local y = if wrap then state.y + state.lineHeight else state.y;
  local lineHeight = if wrap then h else std.max(state.lineHeight, h);
  local id = idOf(panel[keyField]);  // a local: evaluated once, where a field may be each time read
  local panels = state.panels + [panel { id: id, gridPos: { x: x, y: y, w: w, h: h } }];
  strict({ x: x + w, y: y, lineHeight: lineHeight, panels: panels });

local startRow(state, row) =
  local y = state.y + state.lineHeight;
  local panels = state.panels + [{
    type: 'row',
    title: row.title,
    [keyField]: rowKey(row.key),
    id: idOf(rowKey(row.key)),
    collapsed: false,
    panels: [],
    gridPos: { x: 0, y: y, w: gridWidth, h: 1 },
  }];
  strict({ x: 0, y: y + 1, lineHeight: 0, panels: panels });

// Two panels of one dashboard with one id: the same key twice, or two keys with one hash.
local clash(a, b) =
  if a[keyField] == b[keyField] then
    'layout: panel key "%s" is used twice (panels %s and %s): give one a key of its own with '
    % [a[keyField], std.toString(a.title), std.toString(b.title)]
    + 'lt.panels.withKey (a row: lt.layout.row(..., key=...))'
  else
    'layout: panel keys "%s" and "%s" both give id %d: rename one of them'
    % [a[keyField], b[keyField], a.id];

// Distinct ids are counted first, as the fields of one object (sorting a few thousand panels
// takes the C++ engine's std.sort, quadratic, minutes); the clashes are only looked for when
// there is one.
local unique(placed) =
  local distinct = std.foldl(function(seen, p) seen { [std.toString(p.id)]: null }, placed, {});
  if std.length(distinct) == std.length(placed) then placed
  else
    local byId = std.sort(placed, function(p) p.id);
    error std.join('; ', [
      clash(byId[i - 1], byId[i])
      for i in std.range(1, std.length(byId) - 1)
      if byId[i - 1].id == byId[i].id
    ]);

{
  gridWidth:: gridWidth,
  idOf:: idOf,

  // A titled row of panels; its key is 'row:' + `key`, by default its title.
  row(title, panels, key=title):: { title: title, key: key, panels: panels },

  // rows: [row(title, [panel, ...]), ...] → Grafana's flat `panels` array with ids and positions.
  grid(rows)::
    local start = { x: 0, y: 0, lineHeight: 0, panels: [] };
    unique(std.foldl(
      function(state, row) std.foldl(
        function(inner, i) place(std.escapeStringJson(row.title), i + 1, inner, row.panels[i]),
        std.range(0, std.length(row.panels) - 1),
        startRow(state, row),
      ),
      rows,
      start,
    ).panels),
}
