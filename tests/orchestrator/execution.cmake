# Execution tests fragment: capstan_test(process_driver_test ...)
