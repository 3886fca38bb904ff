<?php return 'nested from ' . basename(__DIR__);
