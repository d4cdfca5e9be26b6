// ⚙️ System Health: JVM, database pools and hosts of every service, for DevOps.
local lt = import 'leaky.libsonnet';
local p = lt.platform;
local row = lt.layout.row;

lt.dashboard.new(
  'system',
  'Infrastructure and system-level monitoring for DevOps: infrastructure monitoring, capacity '
  + 'planning, troubleshooting.',
  ['service', 'instance'],
  [
    row('Key metrics', [
      p.servicesUp,
      p.heapUsageWorst,
      p.databaseConnections,
      p.threadCount,
      p.gcTimePerMinute,
      p.cpuLoad,
    ]),
    row('Service status', [
      p.serviceStatus,
    ]),
    row('Memory and classes', [
      p.heapUsageGauges,
      p.heapMemoryByService,
      p.classesLoaded,
    ]),
    row('Threads and garbage collection', [
      p.jvmThreads,
      p.gcActivity,
    ]),
    row('Database and host', [
      p.databaseConnectionPool,
      p.loadAverage,
    ]),
    row('JVM memory pools', [
      p.heapPools,
      p.nonHeapPools,
      p.memoryPoolUsage,
    ]),
    row('Garbage collection and allocation', [
      p.gcPauses,
      p.gcPauseDuration,
      p.allocationRate,
    ]),
    row('Threads, logs, files and CPU', [
      p.threadStates,
      p.logErrors,
      p.openFiles,
      p.cpuProcessVsSystem,
    ]),
    row('Database pools (Hikari)', [
      p.hikariPending,
      p.hikariTimeouts,
      p.hikariAcquireTime,
    ]),
  ],
)
