// JVM and system: scrape targets, heap, threads, garbage collection, database pools and hosts of
// the selected services; then, for a JVM engineer, memory pools, GC pauses and allocation, thread
// states, logged errors, file descriptors, CPU and Hikari, each per instance. The JVM and process
// panels follow the `instance` variable too. Every query comes from measures.libsonnet.
local config = import 'config.libsonnet';
local m = import 'measures.libsonnet';
local panels = import 'panels.libsonnet';
local patterns = import 'patterns.libsonnet';
local q = import 'queries.libsonnet';

local sel = config.selectors;
local th = config.thresholds;
local target = panels.target;
local levelsText = patterns.levelsText;
local perInstance = patterns.perInstance;
local jvm = m.jvm;
local up = m.targets.up([sel.serviceJob]);
local proc = m.process;
local db = m.database;
// The JVM panels follow the selected services and, of those, the selected instances.
local jvmScope = [sel.service, sel.instance];
local gcPause = jvm.gcPause.scoped(jvmScope);
// Of the selected services (the status table: every instance of them).
local selected(metric) = q.selector(metric, [sel.service]);
// Of the selected services and instances.
local jvmSelected(metric) = q.selector(metric, jvmScope);
// Only auth-server, token-service and analytics-service have a database (jdbc and Hikari
// metrics). Their panels follow the service and instance variables like the JVM panels; a
// selection without a database shows the text below, not "No data" (a variable may filter a
// metric only some of its values export on such a panel alone).
local dbScope = jvmScope;
local noDatabase = panels.withNoValue('No database in the selected services');
// Per instance: every series below is one instance's state, never a sum over replicas.
local byInstance = ['application', 'instance'];
local instanceLegend = '{{application}} {{instance}}';

// A dial per service: its worst instance's heap usage, among the instances `scope` selects.
local heapGauges(title, width, scope) = panels.gauge(
  title=title,
  description='Heap in use as a share of the heap limit (-Xmx), per service: its worst instance, so one '
              + 'replica near its limit shows. In use counts every heap pool (G1 Eden, Survivor and Old '
              + 'Gen); the limit is the pools that have one (max = -1 left out). '
              + levelsText(th.heapUsage, 100, '%'),
  unit='percentunit',
  targets=[target(jvm.worstHeapUsage(scope, ['application']), '{{application}}')],
  thresholds=panels.thresholds.levels(th.heapUsage),
  min=0,
  max=1,
  decimals=1,
  width=width,
);

// One area's memory pools (heap or non-heap) per instance: used, committed and the pool's limit.
// Pools without a limit (max = -1: G1 Eden, Survivor, Metaspace) draw no max line.
local memoryPools(title, area, what) = panels.timeSeries(
  title=title,
  description=what + ' Bytes per instance and pool (`id`): in use, committed by the JVM, and the '
              + 'pool’s own limit where it has one (G1 Eden, Survivor and Metaspace report max = -1: '
              + 'no limit line, never -1). Pick an instance to read one JVM.',
  unit='bytes',
  targets=[
    target(jvm.poolBytes(kind, jvmScope + [q.eq('area', area)]), instanceLegend + ' {{id}} ' + kind)
    for kind in ['used', 'committed', 'max']
  ],
);


panels.keyed({
  servicesUp: panels.stat(
    title='🖥️ Services up',
    description='Selected services whose every instance Prometheus reached on its last scrape ("fully up"), '
                + 'beside the number of selected services: one replica down while its siblings run makes '
                + 'the first number smaller. The status table below names the instance that is down.',
    unit='short',
    targets=[
      target(q.orZero('count(' + q.min(up, ['job']) + ' == 1)', 'up', [sel.serviceJob]), 'fully up'),
      target('count(' + q.max(up, ['job']) + ')', 'services'),
    ],
    decimals=0,
  ),

  heapUsageWorst: panels.stat(
    title='💾 Heap memory usage (worst service)',
    description='Heap in use as a share of the heap limit (-Xmx) on the instance closest to its limit, among '
                + 'the selected instances of the selected services. In use counts every heap pool (G1 Eden, Survivor '
                + 'and Old Gen); the limit is the pools that have one (max = -1 left out). '
                + levelsText(th.heapUsage, 100, '%'),
    unit='percentunit',
    targets=[target(jvm.worstHeapUsage(jvmScope), 'heap used')],
    thresholds=panels.thresholds.levels(th.heapUsage),
    decimals=1,
  ),

  jvmHeapUsage: heapGauges('JVM heap usage', width=8, scope=[sel.service]),

  heapUsageGauges: heapGauges('Heap usage gauges', width=24, scope=jvmScope),

  databaseConnections: panels.stat(
    title='🗄️ Database connections (active)',
    description='JDBC connections in use right now, summed over the selected instances of the services with a '
                + 'database (auth-server, token-service, analytics-service).',
    unit='short',
    targets=[target(q.sum(q.selector('jdbc_connections_active', dbScope)), 'active')],
    decimals=0,
  ) + noDatabase,

  threadCount: panels.stat(
    title='🧵 Thread count (live)',
    description='Live JVM threads of the busiest instance among the selected services and instances: a thread leak on one '
                + 'replica shows instead of being added to the others.',
    unit='short',
    targets=[target(q.max(jvmSelected('jvm_threads_live_threads')), 'live threads')],
    decimals=0,
  ),

  gcTimePerMinute: panels.stat(
    title='🗑️ GC time per minute',
    description='Time the selected services spent paused in garbage collection, per minute of wall time '
                + '(summed over services).',
    unit='s',
    targets=[target(gcPause.perMinute(), 'GC pause/min')],
    decimals=1,
  ),

  cpuLoad: panels.stat(
    title='⚡ CPU load (busiest host)',
    description='CPU usage (0–100%) of the busiest host running one of the selected services and instances, as the JVM '
                + 'reports it (system_cpu_usage).',
    unit='percentunit',
    targets=[target(q.max(jvmSelected('system_cpu_usage')), 'CPU')],
    decimals=1,
  ),

  heapMemoryByService: panels.timeSeries(
    title='JVM heap memory by service',
    description='Heap bytes in use per instance (every heap pool added up), one line per service and '
                + 'instance, so a replica that fills its heap shows on its own.',
    unit='bytes',
    targets=[perInstance('jvm_memory_used_bytes', scope=jvmScope, matchers=[q.eq('area', 'heap')])],
  ),

  databaseConnectionPool: panels.timeSeries(
    title='Database connection pool (active/idle/max)',
    description='JDBC connection pool per instance of the services with a database: connections in use '
                + '(active), open but unused (idle) and the pool limit (max). Active close to max means '
                + 'requests wait for a connection on that instance.',
    unit='short',
    targets=[
      perInstance('jdbc_connections_' + state, scope=dbScope, legendSuffix=' ' + state)
      for state in ['active', 'idle', 'max']
    ],
    decimals=0,
  ) + noDatabase,

  jvmThreads: panels.timeSeries(
    title='JVM threads (live/peak)',
    description='Live JVM threads per instance and the peak since that JVM started, one line per service '
                + 'and instance.',
    unit='short',
    targets=[
      perInstance('jvm_threads_' + kind + '_threads', scope=jvmScope, legendSuffix=' ' + kind)
      for kind in ['live', 'peak']
    ],
    decimals=0,
  ),

  gcActivity: panels.timeSeries(
    title='Garbage collection activity',
    description='Time each service spent paused in garbage collection per minute of wall time; spikes are '
                + 'stop-the-world pauses users feel as latency.',
    unit='s',
    targets=[target(gcPause.perMinute(['application']), '{{application}}')],
    decimals=1,
  ),

  classesLoaded: panels.timeSeries(
    title='JVM classes loaded',
    description='Classes currently loaded per instance. Steady growth after start-up can mean a class leak.',
    unit='short',
    targets=[perInstance('jvm_classes_loaded_classes', scope=jvmScope)],
    decimals=0,
  ),

  loadAverage: panels.timeSeries(
    title='System load average (1m)',
    description='One-minute load average of the host of each selected service (Micrometer exports only the '
                + '1-minute average), with the host’s CPU cores for scale: load above the core count means '
                + 'work is queueing.',
    unit='short',
    targets=[
      target(q.max(jvmSelected('system_load_average_1m'), ['application']), '{{application}}'),
      target(q.max(jvmSelected('system_cpu_count')), 'CPU cores'),
    ],
    decimals=2,
  ),

  serviceStatus: panels.table(
    title='Service status overview',
    description='One row per scrape target of the selected services: whether Prometheus reaches it (UP/DOWN), '
                + 'how long it has run, how often it restarted in the dashboard time range (a new process '
                + 'start time), its heap usage (every heap pool over the limit) and its live threads. '
                + 'Sorted with DOWN first.',
    unit='short',
    targets=[
      target(q.sum(up, ['job', 'instance'])),
      target(q.sum(selected('process_uptime_seconds'), ['job', 'instance'])),
      target(q.sum(proc.restarts([sel.service]), ['job', 'instance'])),
      target(jvm.heapUsage([sel.service], ['job', 'instance'])),
      target(q.sum(selected('jvm_threads_live_threads'), ['job', 'instance'])),
    ],
    columns={
      job: 'Service',
      instance: 'Instance',
      'Value #A': 'Status',
      'Value #B': 'Uptime',
      'Value #C': 'Restarts',
      'Value #D': 'Heap used',
      'Value #E': 'Live threads',
    },
    sortBy='Status',
    width=24,
    sortDesc=false,
    columnProperties={
      Status: panels.column.upDown,
      Uptime: panels.column.unit('s') + panels.column.decimals(0),
      Restarts: panels.column.decimals(0),
      'Heap used': panels.column.unit('percentunit') + panels.column.decimals(1),
      'Live threads': panels.column.decimals(0),
    },
  ),

  // ---- For a JVM engineer: pools, GC, allocation, threads, logs, files, CPU, Hikari ----
  heapPools: memoryPools('JVM heap pools (used / committed / max)',
                         'heap',
                         'Heap memory pools: G1 Eden and Survivor fill and empty with each young '
                         + 'collection; Old Gen’s max is the whole heap limit (-Xmx).'),

  nonHeapPools: memoryPools('JVM non-heap pools (used / committed / max)',
                            'nonheap',
                            'Non-heap memory pools: Metaspace (class metadata, no limit unless '
                            + 'set) and CodeCache (compiled code, limited).'),

  memoryPoolUsage: panels.table(
    title='Memory pools by instance',
    description='Each memory pool of each selected instance: bytes in use, committed and its limit, and '
                + 'its use of that limit. Pools without a limit of their own (max = -1: G1 Eden, '
                + 'Survivor, Metaspace) show no limit and no usage rather than -1 or a negative share. '
                + 'Highest usage first.',
    unit='bytes',
    targets=[
      target(jvm.poolBytes(kind, jvmScope))
      for kind in ['used', 'committed', 'max']
    ] + [target(jvm.poolUsage(jvmScope))],
    columns={
      application: 'Service',
      instance: 'Instance',
      id: 'Pool',
      'Value #A': 'Used',
      'Value #B': 'Committed',
      'Value #C': 'Max',
      'Value #D': 'Usage',
    },
    sortBy='Usage',
    width=24,
    columnProperties={
      Usage: panels.column.unit('percentunit') + panels.column.decimals(1),
    },
  ),

  gcPauses: panels.timeSeries(
    title='GC pauses per minute',
    description='Garbage collection pauses per minute of each selected instance, by collector (`gc`): '
                + 'young collections are frequent and short; old (mixed or full) ones rare and long.',
    unit='opm',
    targets=[target(jvm.gcPauses.scoped(jvmScope).perMinute(byInstance + ['gc']), instanceLegend + ' {{gc}}')],
    decimals=1,
    width=8,
  ),

  gcPauseDuration: panels.timeSeries(
    title='GC pause duration (mean / max)',
    description='How long one garbage collection pause lasted on each selected instance: the mean over '
                + 'the interval (pause time over pauses; no pause is a gap, never NaN) and the longest '
                + 'recent pause (Micrometer’s decaying maximum). A long max is a stop-the-world pause '
                + 'users feel as latency.',
    unit='s',
    targets=[
      target(jvm.gcPauseMean(jvmScope, byInstance), instanceLegend + ' mean'),
      target(jvm.gcPauseMax(jvmScope, byInstance), instanceLegend + ' max'),
    ],
    decimals=1,
    width=8,
  ),

  allocationRate: panels.timeSeries(
    title='Allocation and promotion rate',
    description='Bytes per second each selected instance allocates in the young generation, and '
                + 'promotes to the old one. Promotion close to allocation means short-lived objects '
                + 'survive: Old Gen fills and old collections follow.',
    unit='Bps',
    targets=[
      target(jvm[kind].scoped(jvmScope).rate(byInstance), instanceLegend + ' ' + kind)
      for kind in ['allocated', 'promoted']
    ],
    decimals=1,
    width=8,
  ),

  threadStates: panels.timeSeries(
    title='JVM thread states',
    description='Live threads of each selected instance by state (they add up to its live threads). '
                + 'Blocked threads wait for a lock: a growing number means contention or a deadlock; '
                + 'waiting and timed-waiting are idle pool threads.',
    unit='short',
    targets=[target(jvm.threadStates(jvmScope), instanceLegend + ' {{state}}')],
    decimals=0,
    width=8,
  ),

  logErrors: panels.timeSeries(
    title='Logged errors per minute',
    description='Log events at level ERROR per minute of each selected instance (Logback). A service '
                + 'that logged no error since it started has no such series: no line is no error.',
    unit='opm',
    targets=[target(proc.logErrors.scoped(jvmScope).perMinute(byInstance), instanceLegend)],
    decimals=1,
    width=8,
  ),

  openFiles: panels.timeSeries(
    title='Open file descriptors (of the limit)',
    description='Open file descriptors of each selected process as a share of its limit (the '
                + 'process’ max open files). Running out means failed sockets and files: connections '
                + 'refused, logs lost.',
    unit='percentunit',
    targets=[target(proc.fdUsage(jvmScope), instanceLegend)],
    decimals=2,
    width=8,
  ),

  cpuProcessVsSystem: panels.timeSeries(
    title='CPU: process vs system',
    description='CPU usage (0–100 %) of each selected JVM process beside that of its whole host: a '
                + 'busy host with a quiet process means a neighbour takes the CPU.',
    unit='percentunit',
    targets=[
      perInstance(kind + '_cpu_usage', scope=jvmScope, legendSuffix=' ' + kind)
      for kind in ['process', 'system']
    ],
    decimals=1,
    max=1,
    width=24,
  ),

  hikariPending: panels.timeSeries(
    title='Hikari pending connections',
    description='Requests waiting for a database connection, per instance (its pools added up) of the services '
                + 'with a database (auth-server, token-service, analytics-service). Normally 0: '
                + 'waiting requests mean the pool is too small or connections are held too long.',
    unit='short',
    targets=[perInstance('hikaricp_connections_pending', scope=dbScope)],
    decimals=0,
    width=8,
  ) + noDatabase,

  hikariTimeouts: panels.timeSeries(
    title='Hikari connection timeouts per minute',
    description='Requests per minute that gave up waiting for a database connection (the pool’s '
                + 'connection timeout), per instance of the services with a database. Any is a user '
                + 'error.',
    unit='opm',
    targets=[target(db.hikariTimeouts.scoped(dbScope).perMinute(byInstance), instanceLegend)],
    decimals=2,
    width=8,
  ) + noDatabase,

  hikariAcquireTime: panels.timeSeries(
    title='Hikari connection acquire time (mean)',
    description='Mean time a request waited to get a database connection, per instance of the '
                + 'services with a database (no request in the interval is a gap, never NaN).',
    unit='s',
    targets=[target(db.hikariAcquireMean(dbScope, byInstance), instanceLegend)],
    decimals=1,
    width=8,
  ) + noDatabase,
})
