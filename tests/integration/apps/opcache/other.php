<?php
// Run once by the test; another worker then asks whether it is cached.
echo getmypid();
