<?php echo "included\n"; exit("exit from include\n");
