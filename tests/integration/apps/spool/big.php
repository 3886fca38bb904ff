<?php $s = str_repeat("y", 1 << 20); for ($i = 0; $i < 50; $i++) echo $s;
