/* A user's program built against the installed primod: creates the paper network and takes one step. */
#include <primod/net.h>
#include <stdio.h>

int main(void)
{
    pm_net_config cfg = {0};          /* all zero: the paper preset */
    pm_net *net = NULL;
    if (pm_net_create(&cfg, &net) != PM_OK)
        return 1;
    double x[720] = {0};
    x[0] = 0.2;
    int ok = pm_net_forward(net, x) == PM_OK &&
             pm_net_learn(net, PM_RULE_PRIME_MODULATE, 0.5, 1e-3, 1.0) == PM_OK &&
             pm_net_n_outputs(net) == 2;
    pm_net_destroy(net);
    if (!ok)
        return 1;
    puts("primod user ok");
    return 0;
}
