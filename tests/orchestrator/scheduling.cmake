# Scheduling tests fragment: capstan_test(scheduler_test ...)
